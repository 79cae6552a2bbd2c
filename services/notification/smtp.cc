#include "services/notification/smtp.h"

#include <curl/curl.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/log.h"

namespace sixsteps::notification {
namespace {

bool HasLineBreak(absl::string_view text) {
  return text.find_first_of("\r\n") != absl::string_view::npos;
}

// RFC 2047: a header value that may hold any UTF-8, as base64 encoded-words.
std::string EncodedWord(absl::string_view text) {
  return absl::StrCat("=?UTF-8?B?", absl::Base64Escape(text), "?=");
}

// Body text with CRLF line ends, base64 in lines of 76.
std::string Base64Lines(absl::string_view text) {
  std::string encoded = absl::Base64Escape(text);
  std::string out;
  for (size_t at = 0; at < encoded.size(); at += 76) {
    absl::StrAppend(&out, encoded.substr(at, 76), "\r\n");
  }
  return out;
}

struct Upload {
  const std::string* data;
  size_t sent = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t room = size * count;
  size_t left = upload->data->size() - upload->sent;
  size_t n = std::min(room, left);
  std::memcpy(buffer, upload->data->data() + upload->sent, n);
  upload->sent += n;
  return n;
}

}  // namespace

bool IsValidEmailAddress(absl::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  size_t at = address.find('@');
  if (at == absl::string_view::npos || at == 0 ||
      address.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  absl::string_view domain = address.substr(at + 1);
  if (domain.find('.') == absl::string_view::npos || domain.front() == '.' ||
      domain.back() == '.') {
    return false;
  }
  for (char c : address) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == ',' ||
        c == ';' || c == '"') {
      return false;
    }
  }
  return true;
}

absl::Status ValidateSmtpSettings(const SmtpSettings& s) {
  if (!absl::StartsWith(s.url, "smtp://") && !absl::StartsWith(s.url, "smtps://")) {
    return Invalid("smtp_url", "must start with smtp:// (STARTTLS) or smtps://");
  }
  if (!IsValidEmailAddress(s.from)) return Invalid("smtp_from", "must be one email address");
  if (HasLineBreak(s.username) || HasLineBreak(s.password)) {
    return Invalid("smtp_user", "the user and password may not hold line breaks");
  }
  if (!s.username.empty() && s.password.empty()) {
    return Invalid("smtp_password", "a user needs a password");
  }
  return absl::OkStatus();
}

std::string BuildMimeMessage(const std::string& from, const nv1::OutboxMessage& m, absl::Time date,
                             const std::string& boundary) {
  std::string message;
  absl::StrAppend(
      &message, "From: ", from, "\r\n", "To: ", m.recipient_email(), "\r\n",
      "Subject: ", EncodedWord(m.subject()), "\r\n",
      "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", date, absl::UTCTimeZone()), "\r\n",
      "Message-ID: <", absl::BytesToHexString(absl::string_view(m.idempotency_key()).substr(0, 48)),
      ".", m.name().substr(m.name().rfind('/') + 1), "@sixsteps>\r\n",
      "X-Sixsteps-Rule: ", m.rule(), "\r\n");
  // A digest's one-click unsubscribe (RFC 2369, RFC 8058); the value is the service's own
  // "<https://...>" with no line break (digest, H1).
  if (!m.list_unsubscribe().empty()) {
    absl::StrAppend(&message, "List-Unsubscribe: ", m.list_unsubscribe(), "\r\n",
                    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
  }
  absl::StrAppend(&message, "MIME-Version: 1.0\r\n",
                  "Content-Type: multipart/alternative; boundary=\"", boundary, "\"\r\n\r\n");
  absl::StrAppend(&message, "--", boundary, "\r\n", "Content-Type: text/plain; charset=utf-8\r\n",
                  "Content-Transfer-Encoding: base64\r\n\r\n", Base64Lines(m.text_body()));
  absl::StrAppend(&message, "--", boundary, "\r\n", "Content-Type: text/html; charset=utf-8\r\n",
                  "Content-Transfer-Encoding: base64\r\n\r\n", Base64Lines(m.html_body()));
  absl::StrAppend(&message, "--", boundary, "--\r\n");
  return message;
}

absl::Status SendMail(const SmtpSettings& settings, const std::string& to,
                      const std::string& message) {
  if (!IsValidEmailAddress(to)) return Invalid("recipient_email", "not one email address");
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  Upload upload{&message};
  struct curl_slist* recipients = curl_slist_append(nullptr, absl::StrCat("<", to, ">").c_str());
  const std::string from = absl::StrCat("<", settings.from, ">");
  curl_easy_setopt(curl, CURLOPT_URL, settings.url.c_str());
  // STARTTLS, or no mail at all: never the credentials or the text in the clear.
  curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!settings.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings.ca_file.c_str());
  if (!settings.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(settings.timeout)));
  CURLcode code = curl_easy_perform(curl);
  long reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  if (code == CURLE_OK) return absl::OkStatus();
  std::string why = absl::StrCat("SMTP: ", curl_easy_strerror(code), " (reply ", reply, ")");
  const bool refused = (reply >= 500 && reply < 600) || code == CURLE_LOGIN_DENIED ||
                       code == CURLE_USE_SSL_FAILED || code == CURLE_PEER_FAILED_VERIFICATION;
  return refused ? absl::FailedPreconditionError(why) : absl::UnavailableError(why);
}

SmtpSender::SmtpSender(NotificationStore* store, SmtpSettings settings, Options options)
    : store_(store), settings_(std::move(settings)), options_(options) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

SmtpSender::~SmtpSender() { Stop(); }

void SmtpSender::Start() {
  stop_ = false;
  thread_ = std::thread([this] {
    while (!stop_) {
      absl::StatusOr<int> sent = SendDue();
      if (!sent.ok()) LogEvent("smtp_error", {{"error", std::string(sent.status().message())}});
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, absl::ToChronoNanoseconds(options_.poll),
                     [this] { return stop_.load(); });
    }
  });
}

void SmtpSender::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int> SmtpSender::SendDue() {
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<nv1::OutboxMessage> due,
                            store_->DueDeliveries(absl::Now(), 50));
  int sent = 0;
  for (const nv1::OutboxMessage& m : due) {
    if (stop_) break;
    const std::string boundary = absl::StrCat("sixsteps-", absl::ToUnixMicros(absl::Now()));
    absl::Status status = SendMail(settings_, m.recipient_email(),
                                   BuildMimeMessage(settings_.from, m, absl::Now(), boundary));
    const int64_t id = std::stoll(m.name().substr(m.name().rfind('/') + 1));
    if (status.ok()) {
      ++sent;
      SIXSTEPS_RETURN_IF_ERROR(
          store_->RecordAttempt(id, nv1::OutboxMessage::STATE_SENT, "", absl::InfinitePast()));
      continue;
    }
    const bool give_up = !absl::IsUnavailable(status) || m.attempts() + 1 >= options_.max_attempts;
    LogEvent("smtp_failed", {{"message", m.name()}, {"error", std::string(status.message())}});
    SIXSTEPS_RETURN_IF_ERROR(store_->RecordAttempt(
        id, give_up ? nv1::OutboxMessage::STATE_FAILED : nv1::OutboxMessage::STATE_PENDING,
        std::string(status.message()), absl::Now() + options_.retry));
  }
  return sent;
}

}  // namespace sixsteps::notification
