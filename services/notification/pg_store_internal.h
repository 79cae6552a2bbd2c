// What the store's files share.
#pragma once

#include <pqxx/pqxx>

#include "services/common/db_rows.h"
#include "services/notification/store.h"

namespace sixsteps::notification {

// Keeps one delivery unless its idempotency key is kept already; true if it was new.
bool InsertDelivery(pqxx::work& txn, const NewDelivery& delivery);

// Keeps what the weekly digest reads from a change besides the rules' facts (digest, H1:
// pg_store_digest.cc): answered questions, open challenges, shared reports.
void UpdateDigestFacts(pqxx::work& txn, const av1::Change& change);

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
