#!/usr/bin/env python3
"""Writes the committed seed corpora of tests/fuzz/corpus/ (issue 19). Run from anywhere:
python3 tests/fuzz/make_seeds.py. Needs python3-cryptography (only to regenerate the seeds:
the fuzz run reads the committed files). Tokens are signed with the fuzz targets' fixed key
(tests/fuzz/fuzz_keys.h: 32 bytes of 0x5a) and expire in 2100, so they verify on every run.
The rpc_requests target writes its own seeds at start (they name records it creates)."""
import base64
import json
import os
import pathlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"
KEY = Ed25519PrivateKey.from_private_bytes(b"\x5a" * 32)
EXPIRY = 4102444800  # 2100-01-01
ISSUED = 1767225600  # 2026-01-01


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def dump(value) -> str:
    # As nlohmann::json::dump(): keys sorted, no spaces.
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def claims(principal, grants, **extra):
    c = {"iss": "sixsteps-identity", "aud": "sixsteps", "sub": principal, "name": "Fuzz",
         "sa": False, "iat": ISSUED, "exp": EXPIRY, "jti": "seed", "grants": grants,
         "iat_us": ISSUED * 1000000}
    c.update(extra)
    return c


def token(claim_set) -> str:
    header = {"alg": "EdDSA", "kid": "fuzz-key", "typ": "JWT"}
    signing_input = b64(dump(header).encode()) + "." + b64(dump(claim_set).encode())
    return signing_input + "." + b64(KEY.sign(signing_input.encode()))


ADMIN = claims("users/admin", [{"role": "hub_administrator", "region": "*"}])
VIEWER = claims("users/viewer", [{"role": "viewer", "region": "north", "partnership": "p1"}])
SERVICE = claims("serviceAccounts/reporting", [{"role": "dashboard", "region": "north"}],
                 sa=True, api_key="k-1")


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def page_token_seeds():
    def encode(after_key, query):
        # PageToken {after_key = 1, query = 2}
        def field(number, text):
            raw = text.encode()
            return bytes([number << 3 | 2, len(raw)]) + raw
        return b64(field(1, after_key) + field(2, query))
    for i, (key, query) in enumerate([("a-17", "partnerships/p1"), ("2025-04-01|r-3", ""),
                                      ("x", "regions/north|kind=self")]):
        write("page_token", f"token-{i}", query + "\\\n" + encode(key, query))
    write("page_token", "garbage", "q\\\nnot-a-token!!")


def jwt_seeds():
    for name, c in [("admin", ADMIN), ("viewer", VIEWER), ("service", SERVICE)]:
        write("jwt", f"token-{name}", b"\x00" + token(c).encode())
        write("jwt", f"claims-{name}", b"\x01" + dump(c).encode())
    write("jwt", "merge-exp", b"\x02" + dump({"exp": 1780000600}).encode())
    write("jwt", "merge-grants", b"\x02" + dump({"grants": [{"role": "viewer", "region": "north"}]}).encode())
    write("jwt", "none-alg", b"\x00" + (b64(b'{"alg":"none","kid":"fuzz-key"}') + "." +
                                       b64(dump(ADMIN).encode()) + ".").encode())


def personal_data_seeds():
    for i, text in enumerate([
            "The board met on 3 March 2025 and agreed the plan.",
            "NHS number 943 476 5919 was recorded",
            "Child lives at SW1A 1AA with family",
            "DOB: 3/4/2015, seen by the panel",
            "born on April 3rd, 2015",
            "contact jo.bloggs@example.org or 07700 900123",
            "+44 (0)20 7946 0958 is the number",
            "the M1 corridor and 2015 outcomes; 1234567890"]):
        write("personal_data", f"text-{i}", text)


def config_seeds():
    write("config", "empty", b"")
    write("config", "values", b"127.0.0.1:0\\\nhost=localhost dbname=x\\\n10s\\\n64\\\n\x02\x03")


def ratings_csv_seeds():
    write("ratings_csv", "ratings.csv",
          "respondent,question_id,rating,evidence_description,evidence_link,commentary,"
          "remaining_work\r\n"
          "police,s1.q1,green,Minutes of the board,https://example.org/m,\"Agreed, funded\",\r\n"
          "police,s1.q1,green,Strategic plan,,\"Agreed, funded\",\r\n"
          "\"Local authority\",s1.q2,amber,,,\"Quoted \"\"word\"\"\",Review in May\n")
    write("ratings_csv", "bom.csv", "\ufeffrespondent,question_id,rating\nr-1,s2.q1,red\n")
    write("ratings_csv", "broken.csv", "respondent,question_id,rating\n\"open,s1.q1,green\n")


def framework_import_seeds():
    fixture = json.loads((ROOT / "tests/fixtures/six_steps_2019_expected.json").read_text())
    document = {"format": "sixsteps.framework.v1.FrameworkDocument",
                "framework_id": "north-local", "display_name": "North's six steps",
                "description": "Adapted for the north", "version_id": "v1"}
    for key in ("title", "steps", "action_plan_guidance", "context_questions", "attribution"):
        if key in fixture:
            document[key] = fixture[key]
    document["rating_definitions"] = [
        {"rating": f"RATING_{colour.upper()}", "definition": text}
        for colour, text in fixture["rating_definitions"].items()]
    document["source_citation"] = (
        "Pearce, J (2019) *Six Steps for Independent Scrutiny: Safeguarding children partnership "
        "arrangements*. Institute of Applied Social Research, Luton, University of Bedfordshire")
    document.setdefault(
        "attribution",
        "Adapted from Pearce, J (2019) *Six Steps for Independent Scrutiny: Safeguarding "
        "children arrangements*. Institute of Applied Social Research, Luton, University of "
        "Bedfordshire")
    write("framework_import", "six-steps.json", json.dumps(document, indent=1))
    small = dict(document)
    small["steps"] = [dict(document["steps"][0], questions=document["steps"][0]["questions"][:1])]
    small.pop("context_questions", None)
    write("framework_import", "one-question.json", json.dumps(small))


def http_seeds():
    bearer = "Authorization: Bearer " + token(ADMIN) + "\r\n"
    routes = [
        "/v1/assessments/a-1/report?format=csv&as_of_date=2025-06-30&min_sequence=3",
        "/v1/partnerships/p1/trend?kind=self_assessment&format=md",
        "/v1/regions/north/overview?format=html",
        "/v1/partnerships/p1/actions?format=xlsx&as_of_date=2025-01-01",
        "/v1/regions/north/actions?format=text",
        "/v1/assessments/a-1/annual-report?format=json&min_sequence=0",
        "/v1/assessments/a-1/scrutineer-report?format=pdf&version=2",
        "/v1/assessments/a-1/evidence-register?format=docx",
        "/v1/assessments/a-1/engagement-summary",
        "/v1/assessments/a-1/audits-and-reviews?as_of_date=2025-03-31",
        "/healthz",
        "/v1/assessments/a%2F1/report?format=csv%00&format=txt",
    ]
    for i, route in enumerate(routes):
        write("http_endpoint", f"get-{i}",
              f"GET {route} HTTP/1.1\r\nHost: localhost\r\n{bearer}\r\n")
    write("http_endpoint", "keep-alive",
          f"GET /healthz HTTP/1.1\r\nHost: h\r\n\r\nGET /v1/regions/north/overview HTTP/1.1\r\n"
          f"Host: h\r\n{bearer}Connection: close\r\n\r\n")
    write("http_endpoint", "post-body",
          "POST /v1/regions/north/overview HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
    write("http_endpoint", "chunked",
          "GET /healthz HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    # The evidence-file download: a file, one refused, one failing part-way, a name to encode.
    for name, file_id in [("evidence-file", "f-1a2b"), ("evidence-missing", "missing-1"),
                          ("evidence-broken", "broken-22"), ("evidence-name", "caf%C3%A9%20plan.pdf")]:
        write("http_endpoint", name,
              f"GET /v1/evidenceFiles/{file_id}/content HTTP/1.1\r\nHost: h\r\n{bearer}"
              "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n")
    write("http_endpoint", "head-range",
          f"HEAD /v1/evidenceFiles/f-1/content HTTP/1.1\r\nHost: h\r\n{bearer}"
          "Range: bytes=0-3\r\n\r\n")
    write("http_endpoint", "no-token", "GET /v1/regions/north/overview HTTP/1.1\r\nHost: h\r\n\r\n")
    write("http_endpoint", "bad-token",
          "GET /v1/regions/north/overview HTTP/1.1\r\nAuthorization: Bearer a.b.c\r\n\r\n")


if __name__ == "__main__":
    page_token_seeds()
    jwt_seeds()
    personal_data_seeds()
    config_seeds()
    ratings_csv_seeds()
    framework_import_seeds()
    http_seeds()
    for target in sorted(os.listdir(CORPUS)):
        print(target, len(os.listdir(CORPUS / target)))
