// Email over SMTP through libcurl: STARTTLS required (CURLUSESSL_ALL) unless the URL is
// smtps:// (TLS from the start), with authentication when a user is configured, the
// certificate verified (against ca_file if given), and a multipart/alternative message of
// the plain-text and HTML bodies.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/notification/store.h"

namespace sixsteps::notification {

struct SmtpSettings {
  // "smtp://host:port" (STARTTLS) or "smtps://host:port". Empty: no SMTP server, notices
  // stay in the outbox.
  std::string url;
  std::string username;
  std::string password;
  // The envelope and header sender, "hub@example.org".
  std::string from;
  // A PEM bundle to verify the server's certificate with (the system's by default).
  std::string ca_file;
  absl::Duration timeout = absl::Seconds(30);
};

// INVALID_ARGUMENT naming the setting: a URL that is not smtp:// or smtps://, no sender, a
// sender or password with a line break, a user without a password.
absl::Status ValidateSmtpSettings(const SmtpSettings& settings);

// Whether `address` may be put in an envelope and a header: one local@domain with a dot in
// the domain, no spaces, angle brackets or line breaks, at most 254 characters.
bool IsValidEmailAddress(absl::string_view address);

// The whole message (headers, a multipart/alternative body of text and HTML, CRLF line ends)
// for `m`, dated `date`, separated with `boundary`. Its Message-ID is derived from the
// idempotency key, so a message sent again after a crash can be recognised by the server.
std::string BuildMimeMessage(const std::string& from, const nv1::OutboxMessage& m, absl::Time date,
                             const std::string& boundary);

// Sends one message. UNAVAILABLE for what may pass on a later try (no connection, a 4xx
// reply, a timeout), FAILED_PRECONDITION for a refusal (a 5xx reply, TLS or login refused).
absl::Status SendMail(const SmtpSettings& settings, const std::string& to,
                      const std::string& message);

// Sends pending deliveries one by one: each is marked sent after the server accepted it,
// failed after a refusal, and tried again after a transient failure (after `retry`, up to
// `max_attempts`).
class SmtpSender {
 public:
  struct Options {
    absl::Duration poll = absl::Seconds(1);
    absl::Duration retry = absl::Minutes(1);
    int max_attempts = 10;
  };
  SmtpSender(NotificationStore* store, SmtpSettings settings, Options options);
  ~SmtpSender();
  void Start();
  void Stop();
  // Sends what is due now, on the calling thread; returns how many were sent.
  absl::StatusOr<int> SendDue();

 private:
  NotificationStore* store_;
  const SmtpSettings settings_;
  const Options options_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace sixsteps::notification
