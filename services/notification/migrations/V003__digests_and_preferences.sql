-- The response deadline reminders: each respondent's deadline as the feed last showed it
-- (a planned round's opening sets it; an extension moves it). Empty: no deadline.
ALTER TABLE respondents ADD COLUMN response_deadline date;
CREATE INDEX respondents_by_deadline ON respondents (response_deadline)
  WHERE response_deadline IS NOT NULL;
