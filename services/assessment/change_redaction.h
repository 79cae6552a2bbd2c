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

// A change as it is kept once `purged_resource` (an evidence file or a voice record) has
// been purged by its retention policy, so that replaying the feed from its start cannot
// rebuild what was purged. Whether the change carried it (and was scrubbed):
//  - the evidence file's own change keeps its name, partnership, region, round,
//    classification, size and hash (as its tombstone does): no file name, description,
//    uploader or target;
//  - a download of the file keeps its name, the file's name and classification;
//  - the voice record's changes keep only its name and classification (as for a caller who
//    may not read it).
// Changes that only name the resource (an evidence item, a record's `evidence_files`, the
// tombstone) are kept whole.
bool ScrubPurged(absl::string_view purged_resource, v1::Change& change);

}  // namespace sixsteps::assessment
