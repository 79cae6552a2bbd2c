// What the store's files share.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "services/common/db_rows.h"
#include "services/notification/store.h"

namespace sixsteps::notification {

// Keeps one delivery unless its idempotency key is kept already; true if it was new.
bool InsertDelivery(pqxx::work& txn, const NewDelivery& delivery);

// The questions a run of consecutive response changes answered, kept in one statement when
// the run ends (issue 18: one insert per response change was most of the follower's
// statements once FactsOfBatch read a batch's facts once). Nothing the apply reads depends on
// them; the run ends before any other kind of change is kept, so the order is unchanged.
class AnsweredQuestions {
 public:
  void Add(std::string assessment_id, std::string respondent_id, std::string question_id);
  // Inserts what was added since the last Flush (none: no statement).
  void Flush(pqxx::work& txn);

 private:
  std::vector<std::string> assessment_ids_;
  std::vector<std::string> respondent_ids_;
  std::vector<std::string> question_ids_;
};

// Keeps what the weekly digest reads from a change besides the rules' facts (digest, H1:
// pg_store_digest.cc): answered questions (added to `answered`, flushed by the caller at the
// end of its batch), open challenges, shared reports.
void UpdateDigestFacts(pqxx::work& txn, const av1::Change& change, AnsweredQuestions& answered);

// A respondent as the statements select it: respondent_id, organisation and scrutineer in
// columns `first` to `first + 2`.
inline KnownRespondent RespondentAt(const pqxx::row& row, pqxx::row::size_type first) {
  KnownRespondent respondent;
  db::ReadColumns(row, first, &respondent.respondent_id, &respondent.organisation,
                  &respondent.scrutineer);
  return respondent;
}

// OutboxMessage.State as stored ("outbox", "pending"...) and back.
std::string StateText(nv1::OutboxMessage::State state);
nv1::OutboxMessage::State StateFromText(const std::string& text);

}  // namespace sixsteps::notification
