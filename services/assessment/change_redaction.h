// The change feed shows each caller what the records' own RPCs would show them: one
// function, one rule per record kind, so that a new record kind has one place to say what
// a caller who may not read it gets.
#pragma once

#include "services/common/auth.h"
#include "sixsteps/assessment/v1/assessment.pb.h"

namespace sixsteps::assessment {

// The change as `caller` may read it. A change keeps its sequence, time, kind, partnership
// and region whatever happens to its record, so the caller's cursor still moves past it.
//  - engagement record, case audit, learning review: an OFFICIAL-SENSITIVE one the caller
//    may not read (CanReadClassified) keeps only its name and classification;
//  - scrutiny report: a draft version loses its record unless the caller is a scrutineer
//    of the partnership;
//  - scrutiny concern: another's concern loses its record unless the caller sees every
//    concern of the partnership (SeesEveryConcern);
//  - evidence file, evidence file download: the record of an OFFICIAL-SENSITIVE file is
//    cleared for a caller who may not read it (MayReadClassified);
//  - response, consolidation: their OFFICIAL-SENSITIVE evidence items are dropped for a
//    caller who may not read them (RedactEvidence);
//  - every other kind is shown whole.
void RedactChange(const auth::Caller& caller, v1::Change& change);

}  // namespace sixsteps::assessment
