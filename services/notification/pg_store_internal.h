// What the store's files share.
#pragma once

#include <pqxx/pqxx>

#include "services/notification/store.h"

namespace sixsteps::notification {

// Keeps one delivery unless its idempotency key is kept already; true if it was new.
bool InsertDelivery(pqxx::work& txn, const NewDelivery& delivery);

// Keeps what the weekly digest reads from a change besides the rules' facts (digest, H1:
// pg_store_digest.cc): answered questions, open challenges, shared reports.
void UpdateDigestFacts(pqxx::work& txn, const av1::Change& change);

// OutboxMessage.State as stored ("outbox", "pending"...) and back.
std::string StateText(nv1::OutboxMessage::State state);
nv1::OutboxMessage::State StateFromText(const std::string& text);

}  // namespace sixsteps::notification
