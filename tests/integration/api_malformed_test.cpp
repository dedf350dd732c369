// Malformed requests, table-driven. Every case must get a 4xx answer with an
// RFC 9457 problem body (Content-Type application/problem+json, a JSON
// object whose "type" starts with urn:cardd:problem: and whose "status" is
// the HTTP status), with the expected status and type where the contract
// fixes them (docs/error-policy.md, docs/api/openapi.yaml), and none may
// hurt the daemon: afterwards it still answers /v1/_ping and takes a valid
// job.
//
// One test per category (each with its own daemon), plus one test that
// runs the whole table against a single daemon.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "client/connection.hpp"
#include "core/base64.hpp"
#include "daemon_process.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;
using client::Response;

struct Case {
  std::string category;
  std::string name;
  // A request made with cardd_client ...
  std::string method = "POST";
  std::string target = "/v1/jobs";
  std::string body;
  std::string content_type = "application/json";  // "" = no Content-Type
  client::Headers headers;
  // ... or, when non-empty, these bytes sent as they are (the connection
  // may be closed by cardd afterwards).
  std::string raw;
  int status = 0;                  // expected HTTP status (always 4xx)
  std::string slug;                // expected problem type slug ("" = any)
  std::string pointer;             // an expected errors[].pointer ("" = not checked)
  std::vector<std::string> allow;  // for 405: methods the Allow header must list
  std::string secret;              // must not appear in the response (personal data)
};

// --- bodies --------------------------------------------------------------------

std::string mutated(const std::function<void(json::object&)>& edit) {
  auto job = sampleJob();
  job.erase("idempotency_key");  // so that an accidental success stores a new job
  edit(job);
  return json::serialize(job);
}

json::object& person(json::object& job) {
  return job["person"].as_object();
}

std::string sampleWithout(const std::string& key) {
  return mutated([&](json::object& j) { j.erase(key); });
}

std::string personWith(const std::string& key, json::value v) {
  return mutated([&](json::object& j) { person(j)[key] = std::move(v); });
}

std::string withTop(const std::string& key, json::value v) {
  return mutated([&](json::object& j) { j[key] = std::move(v); });
}

std::string personWithText(const std::string& key, const std::string& v) {
  return personWith(key, json::value(json::string(v)));
}
std::string withTopText(const std::string& key, const std::string& v) {
  return withTop(key, json::value(json::string(v)));
}

// Replaces the first occurrence of `from` in the sample job's text.
std::string sampleTextReplacing(const std::string& from, const std::string& to) {
  std::string text = sampleJobText();
  const auto at = text.find(from);
  if (at == std::string::npos) throw TestFailure("sample job lacks " + from);
  text.replace(at, from.size(), to);
  return text;
}

json::object fingerprint(const std::string& finger,
                         const std::string& data = "AAECAwQFBgcICQoLDA0ODw==") {
  return json::object{{"finger", finger}, {"format", "iso-19794-2"}, {"data", data}};
}

std::string pngBase64(std::size_t total_bytes) {
  std::string bytes("\x89PNG\r\n\x1a\n", 8);
  bytes.resize(total_bytes, 'x');
  return encodeBase64(bytes);
}

std::string nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

// --- the table -----------------------------------------------------------------

Case bodyCase(std::string category, std::string name, std::string body, int status,
              std::string slug, std::string pointer = {}, std::string secret = {}) {
  Case c;
  c.category = std::move(category);
  c.name = std::move(name);
  c.body = std::move(body);
  c.status = status;
  c.slug = std::move(slug);
  c.pointer = std::move(pointer);
  c.secret = std::move(secret);
  return c;
}

Case invalidJson(std::string name, std::string body) {
  return bodyCase("JsonSyntax", std::move(name), std::move(body), 400, "invalid-json");
}

Case invalid(std::string category, std::string name, std::string body, std::string pointer,
             std::string secret = {}) {
  return bodyCase(std::move(category), std::move(name), std::move(body), 422, "validation-failed",
                  std::move(pointer), std::move(secret));
}

Case get(std::string category, std::string name, std::string target, int status, std::string slug) {
  Case c;
  c.category = std::move(category);
  c.name = std::move(name);
  c.method = "GET";
  c.target = std::move(target);
  c.content_type.clear();
  c.status = status;
  c.slug = std::move(slug);
  return c;
}

Case request(std::string category, std::string name, std::string method, std::string target,
             int status, std::string slug) {
  Case c = get(std::move(category), std::move(name), std::move(target), status, std::move(slug));
  c.method = std::move(method);
  return c;
}

Case wrongMethod(std::string name, std::string method, std::string target,
                 std::vector<std::string> allow) {
  Case c = request("WrongMethod", std::move(name), std::move(method), std::move(target), 405,
                   "method-not-allowed");
  c.allow = std::move(allow);
  return c;
}

Case raw(std::string name, std::string bytes, int status = 400, std::string slug = "bad-request") {
  Case c;
  c.category = "RawHttp";
  c.name = std::move(name);
  c.raw = std::move(bytes);
  c.status = status;
  c.slug = std::move(slug);
  return c;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = [] {
    std::vector<Case> t;
    const std::string sample = sampleJobText();

    // Not JSON at all, or not quite.
    t.push_back(invalidJson("truncated", sample.substr(0, sample.size() / 2)));
    t.push_back(
        invalidJson("truncated_after_last_brace_removed", sample.substr(0, sample.rfind('}'))));
    t.push_back(invalidJson("trailing_comma_in_object",
                            sampleTextReplacing("\"hold\": false", "\"hold\": false,")));
    t.push_back(
        invalidJson("trailing_comma_in_array", R"({"fingerprints":[{"finger":"right-thumb"},]})"));
    t.push_back(invalidJson("block_comment", "/* a job */" + sample));
    t.push_back(invalidJson(
        "line_comment", sampleTextReplacing("\"hold\": false", "\"hold\": false // no hold\n")));
    t.push_back(
        invalidJson("single_quotes", R"({'template':'ektp-specimen','profile':'cardd-eid'})"));
    t.push_back(invalidJson("unquoted_key", R"({template:"ektp-specimen"})"));
    t.push_back(invalidJson("nan", sampleTextReplacing("\"priority\": 50", "\"priority\": NaN")));
    t.push_back(
        invalidJson("infinity", sampleTextReplacing("\"priority\": 50", "\"priority\": Infinity")));
    t.push_back(
        invalidJson("hex_number", sampleTextReplacing("\"priority\": 50", "\"priority\": 0x32")));
    t.push_back(invalidJson("leading_zero_number",
                            sampleTextReplacing("\"priority\": 50", "\"priority\": 050")));
    t.push_back(invalidJson("whitespace_only", "   \n"));
    t.push_back(invalidJson("two_documents", sample + sample));
    t.push_back(invalidJson("invalid_utf8_in_string",
                            sampleTextReplacing("SITI RAHAYU", "SITI \xff\xfe RAHAYU")));
    t.push_back(invalidJson("overlong_utf8_in_string",
                            sampleTextReplacing("SITI RAHAYU", "SITI \xc0\xaf RAHAYU")));
    t.push_back(invalidJson("truncated_utf8_sequence",
                            sampleTextReplacing("SITI RAHAYU", "SITI \xe2\x82 RAHAYU")));
    t.push_back(invalidJson("lone_surrogate_escape",
                            sampleTextReplacing("SITI RAHAYU", "SITI \\ud800 RAHAYU")));
    t.push_back(invalidJson("raw_control_char_in_string",
                            sampleTextReplacing("SITI RAHAYU", "SITI\x01RAHAYU")));
    t.push_back(invalidJson("bad_escape", sampleTextReplacing("SITI RAHAYU", "SITI \\q RAHAYU")));
    t.push_back(invalidJson("nesting_too_deep", sampleTextReplacing("\"fingerprints\": [",
                                                                    "\"x\": " + nested(100) +
                                                                        ", \"fingerprints\": [")));
    {
      Case c = invalidJson("empty_body", "");
      c.headers = {{"Content-Type", "application/json"}};  // the client omits it for an empty body
      t.push_back(c);
    }

    // A JSON value that is not an object.
    for (const auto& [name, body] :
         std::vector<std::pair<std::string, std::string>>{{"array", "[]"},
                                                          {"array_of_job", "[" + sample + "]"},
                                                          {"string", "\"x\""},
                                                          {"number", "42"},
                                                          {"null", "null"},
                                                          {"true", "true"}}) {
      t.push_back(invalid("NotAnObject", "body_" + name, body, ""));
    }

    // Wrong types for every top-level field.
    t.push_back(invalid("WrongType", "template_number", withTop("template", 42), "/template"));
    t.push_back(invalid("WrongType", "template_null", withTop("template", nullptr), "/template"));
    t.push_back(invalid("WrongType", "profile_array", withTop("profile", json::array{"cardd-eid"}),
                        "/profile"));
    t.push_back(invalid("WrongType", "priority_string", withTop("priority", "50"), "/priority"));
    t.push_back(invalid("WrongType", "priority_bool", withTop("priority", true), "/priority"));
    t.push_back(
        invalid("WrongType", "priority_object", withTop("priority", json::object{}), "/priority"));
    t.push_back(invalid("WrongType", "idempotency_key_number", withTop("idempotency_key", 12),
                        "/idempotency_key"));
    t.push_back(invalid("WrongType", "idempotency_key_object",
                        withTop("idempotency_key", json::object{}), "/idempotency_key"));
    t.push_back(invalid("WrongType", "person_string", withTop("person", "SITI"), "/person"));
    t.push_back(invalid("WrongType", "person_array", withTop("person", json::array{}), "/person"));
    t.push_back(invalid("WrongType", "person_null", withTop("person", nullptr), "/person"));
    t.push_back(invalid("WrongType", "photo_number", withTop("photo", 123), "/photo"));
    t.push_back(invalid("WrongType", "photo_array", withTop("photo", json::array{}), "/photo"));
    t.push_back(invalid("WrongType", "fingerprints_object", withTop("fingerprints", json::object{}),
                        "/fingerprints"));
    t.push_back(invalid("WrongType", "fingerprints_string", withTop("fingerprints", "right-thumb"),
                        "/fingerprints"));
    t.push_back(invalid("WrongType", "hold_string", withTop("hold", "yes"), "/hold"));
    t.push_back(invalid("WrongType", "hold_number", withTop("hold", 1), "/hold"));
    t.push_back(invalid("WrongType", "hold_null", withTop("hold", nullptr), "/hold"));

    // Values out of range.
    const auto priority = [&](const std::string& name, const std::string& literal) {
      t.push_back(invalid("BadValue", "priority_" + name,
                          sampleTextReplacing("\"priority\": 50", "\"priority\": " + literal),
                          "/priority"));
    };
    priority("zero", "0");
    priority("101", "101");
    priority("negative", "-1");
    priority("fraction", "50.5");
    priority("exponent_1e2", "1e2");
    priority("exponent_overflow_1e400", "1e400");
    priority("huge_integer", "99999999999999999999999");
    priority("uint64_max", "18446744073709551615");
    priority("int64_min", "-9223372036854775808");
    t.push_back(invalid("BadValue", "idempotency_key_empty", withTop("idempotency_key", ""),
                        "/idempotency_key"));
    t.push_back(invalid("BadValue", "idempotency_key_too_long",
                        withTopText("idempotency_key", std::string(129, 'k')), "/idempotency_key"));
    t.push_back(invalid("BadValue", "idempotency_key_with_space",
                        withTop("idempotency_key", "a key"), "/idempotency_key"));
    t.push_back(invalid("BadValue", "idempotency_key_non_ascii",
                        withTop("idempotency_key", "cl\xc3\xa9"), "/idempotency_key"));
    t.push_back(
        invalid("BadValue", "template_unknown", withTop("template", "ektp-gold"), "/template"));
    t.push_back(invalid("BadValue", "template_empty", withTop("template", ""), "/template"));
    t.push_back(
        invalid("BadValue", "profile_unknown", withTop("profile", "other-eid"), "/profile"));

    // Unknown fields, at every level.
    t.push_back(invalid("UnknownField", "top_level", withTop("color", "red"), "/color"));
    t.push_back(invalid("UnknownField", "top_level_case", withTop("Template", "ektp-specimen"),
                        "/Template"));
    t.push_back(
        invalid("UnknownField", "person", personWith("nickname", "SITI"), "/person/nickname"));
    t.push_back(invalid("UnknownField", "address", mutated([](json::object& j) {
                          person(j)["address"].as_object()["zip"] = "10110";
                        }),
                        "/person/address/zip"));
    t.push_back(invalid("UnknownField", "fingerprint", mutated([](json::object& j) {
                          j["fingerprints"].as_array()[0].as_object()["quality"] = 80;
                        }),
                        "/fingerprints/0/quality"));
    t.push_back(
        invalid("UnknownField", "pointer_escaping", personWith("a/b~c", "x"), "/person/a~1b~0c"));

    // Missing required fields.
    for (const char* key : {"template", "profile", "person", "photo"}) {
      t.push_back(invalid("Missing", key, sampleWithout(key), std::string("/") + key));
    }
    for (const char* key : {"nik", "name", "birth_date", "sex", "address", "valid_until"}) {
      t.push_back(invalid("Missing", std::string("person_") + key,
                          mutated([&](json::object& j) { person(j).erase(key); }),
                          std::string("/person/") + key));
    }
    t.push_back(invalid("Missing", "address_city", mutated([](json::object& j) {
                          person(j)["address"].as_object().erase("city");
                        }),
                        "/person/address/city"));
    t.push_back(invalid("Missing", "person_nik_null", personWith("nik", nullptr), "/person/nik"));
    t.push_back(
        invalid("Missing", "person_empty", withTop("person", json::object{}), "/person/nik"));
    t.push_back(invalid("Missing", "empty_object", "{}", "/template"));

    // Person values that break the schema (and must not be echoed back).
    t.push_back(invalid("Person", "nik_15_digits", personWith("nik", "317101234567000"),
                        "/person/nik", "317101234567000"));
    t.push_back(invalid("Person", "nik_17_digits", personWith("nik", "31710123456700012"),
                        "/person/nik", "31710123456700012"));
    t.push_back(invalid("Person", "nik_letters", personWith("nik", "31710123456700AB"),
                        "/person/nik", "31710123456700AB"));
    t.push_back(invalid("Person", "nik_with_space", personWith("nik", "3171012345 70001"),
                        "/person/nik", "3171012345 70001"));
    t.push_back(invalid("Person", "nik_fullwidth_digits",
                        personWith("nik",
                                   "\xef\xbc\x93\xef\xbc\x91\xef\xbc\x97\xef\xbc\x91"
                                   "012345670001"),
                        "/person/nik"));
    t.push_back(invalid("Person", "nik_overlong", personWithText("nik", std::string(5000, '1')),
                        "/person/nik"));
    t.push_back(
        invalid("Person", "nik_number", personWith("nik", 3171012345670001LL), "/person/nik"));
    t.push_back(invalid("Person", "nik_trailing_newline", personWith("nik", "3171012345670001\n"),
                        "/person/nik"));
    t.push_back(invalid("Person", "birth_date_feb_30", personWith("birth_date", "2023-02-30"),
                        "/person/birth_date", "2023-02-30"));
    t.push_back(invalid("Person", "birth_date_feb_29_not_leap",
                        personWith("birth_date", "2023-02-29"), "/person/birth_date"));
    t.push_back(invalid("Person", "birth_date_feb_29_1900", personWith("birth_date", "1900-02-29"),
                        "/person/birth_date"));
    t.push_back(invalid("Person", "birth_date_month_13", personWith("birth_date", "1990-13-01"),
                        "/person/birth_date"));
    t.push_back(invalid("Person", "birth_date_day_0", personWith("birth_date", "1990-01-00"),
                        "/person/birth_date"));
    t.push_back(invalid("Person", "birth_date_unpadded", personWith("birth_date", "1990-4-17"),
                        "/person/birth_date"));
    t.push_back(invalid("Person", "birth_date_year_1849", personWith("birth_date", "1849-12-31"),
                        "/person/birth_date"));
    t.push_back(invalid("Person", "birth_date_with_time",
                        personWith("birth_date", "1990-04-17T00:00:00"), "/person/birth_date"));
    t.push_back(invalid("Person", "birth_date_signed", personWith("birth_date", "+990-04-17"),
                        "/person/birth_date"));
    t.push_back(invalid("Person", "birth_date_spaces", personWith("birth_date", "1990- 4-17"),
                        "/person/birth_date"));
    t.push_back(invalid("Person", "sex_not_in_enum", personWith("sex", "L"), "/person/sex"));
    t.push_back(invalid("Person", "sex_lower_case", personWith("sex", "perempuan"), "/person/sex"));
    t.push_back(invalid("Person", "name_too_long", personWithText("name", std::string(61, 'A')),
                        "/person/name"));
    t.push_back(invalid("Person", "name_control_char", personWith("name", "SITI\aRAHAYU"),
                        "/person/name", "RAHAYU"));
    t.push_back(
        invalid("Person", "name_newline", personWith("name", "SITI\nRAHAYU"), "/person/name"));
    t.push_back(
        invalid("Person", "name_del_char", personWith("name", "SITI\x7fRAHAYU"), "/person/name"));
    t.push_back(invalid("Person", "name_empty", personWith("name", ""), "/person/name"));
    t.push_back(invalid("Person", "name_number", personWith("name", 7), "/person/name"));
    t.push_back(invalid("Person", "address_not_object", personWith("address", "JL. MERDEKA"),
                        "/person/address"));
    t.push_back(invalid("Person", "rt_rw_bad_format", mutated([](json::object& j) {
                          person(j)["address"].as_object()["rt_rw"] = "3/12";
                        }),
                        "/person/address/rt_rw"));
    t.push_back(invalid("Person", "valid_until_bad", personWith("valid_until", "FOREVER"),
                        "/person/valid_until"));

    // Photo.
    t.push_back(invalid("Photo", "bad_base64", withTop("photo", "!!!!not base64!!!!"), "/photo"));
    t.push_back(invalid("Photo", "missing_padding",
                        withTop("photo",
                                "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAKCAIAAAAGpYjXAAAAEUlEQVR4nGM4Ma0CK2"
                                "IY7hIA1YOS4VCKwVwAAAAASUVORK5CYII"),
                        "/photo"));
    t.push_back(invalid("Photo", "base64_with_newline",
                        withTop("photo",
                                "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAK\nCAIAAAAGpYjXAAAAEUlEQVR4nGM4Ma0C"
                                "K2IY7hIA1YOS4VCKwVwAAAAASUVORK5CYII="),
                        "/photo"));
    t.push_back(invalid("Photo", "base64url_alphabet", withTop("photo", "_-_-"), "/photo"));
    t.push_back(invalid("Photo", "not_an_image",
                        withTopText("photo", encodeBase64("hello, this is not a picture")),
                        "/photo"));
    t.push_back(invalid(
        "Photo", "gif_image",
        withTopText("photo", encodeBase64(std::string("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 15))),
        "/photo"));
    t.push_back(invalid("Photo", "empty", withTop("photo", ""), "/photo"));
    t.push_back(invalid("Photo", "png_signature_truncated",
                        withTopText("photo", encodeBase64("\x89PNG")), "/photo"));
    t.push_back(bodyCase("Photo", "too_large", withTopText("photo", pngBase64(300 * 1024)), 413,
                         "payload-too-large", "/photo"));

    // Fingerprints.
    {
      json::array eleven;
      const char* fingers[] = {"right-thumb",  "right-index", "right-middle", "right-ring",
                               "right-little", "left-thumb",  "left-index",   "left-middle",
                               "left-ring",    "left-little"};
      for (const char* f : fingers) eleven.push_back(fingerprint(f));
      eleven.push_back(fingerprint("right-thumb"));
      t.push_back(
          invalid("Fingerprints", "too_many", withTop("fingerprints", eleven), "/fingerprints"));
    }
    t.push_back(invalid(
        "Fingerprints", "duplicate_finger",
        withTop("fingerprints", json::array{fingerprint("left-index"), fingerprint("left-index")}),
        "/fingerprints/1/finger"));
    t.push_back(invalid("Fingerprints", "unknown_finger",
                        withTop("fingerprints", json::array{fingerprint("right-toe")}),
                        "/fingerprints/0/finger"));
    t.push_back(invalid("Fingerprints", "not_an_object",
                        withTop("fingerprints", json::array{"right-thumb"}), "/fingerprints/0"));
    t.push_back(invalid("Fingerprints", "missing_format",
                        withTop("fingerprints", json::array{json::object{{"finger", "right-thumb"},
                                                                         {"data", "AAEC"}}}),
                        "/fingerprints/0/format"));
    t.push_back(invalid(
        "Fingerprints", "missing_data",
        withTop("fingerprints",
                json::array{json::object{{"finger", "right-thumb"}, {"format", "iso-19794-2"}}}),
        "/fingerprints/0/data"));
    t.push_back(invalid("Fingerprints", "bad_base64",
                        withTop("fingerprints", json::array{fingerprint("right-thumb", "%%%")}),
                        "/fingerprints/0/data"));
    t.push_back(invalid("Fingerprints", "empty_data",
                        withTop("fingerprints", json::array{fingerprint("right-thumb", "")}),
                        "/fingerprints/0/data"));
    t.push_back(
        invalid("Fingerprints", "format_too_long",
                withTop("fingerprints", json::array{json::object{{"finger", "right-thumb"},
                                                                 {"format", std::string(33, 'f')},
                                                                 {"data", "AAEC"}}}),
                "/fingerprints/0/format"));
    t.push_back(bodyCase(
        "Fingerprints", "template_too_large",
        withTop("fingerprints",
                json::array{fingerprint("right-thumb", encodeBase64(std::string(17000, 'f')))}),
        413, "payload-too-large", "/fingerprints/0/data"));

    // Content type.
    for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
             {"text_plain", "text/plain"},
             {"form", "application/x-www-form-urlencoded"},
             {"json_patch", "application/json-patch+json"},
             {"problem_json", "application/problem+json"},
             {"jsonx", "application/jsonx"},
             {"none", ""}}) {
      Case c = bodyCase("ContentType", name, sample, 415, "unsupported-media-type");
      c.content_type = type;
      t.push_back(c);
    }

    // Path ids that are not of the documented form (a positive int64):
    // 400 bad-request (docs/error-policy.md; openapi.yaml BadRequest).
    for (const auto& [name, id] :
         std::vector<std::pair<std::string, std::string>>{{"zero", "0"},
                                                          {"negative", "-1"},
                                                          {"letters", "abc"},
                                                          {"exponent", "1e3"},
                                                          {"overflow", "99999999999999999999"},
                                                          {"leading_zeros", "007"},
                                                          {"fraction", "1.5"},
                                                          {"plus_sign", "+1"}}) {
      t.push_back(get("OddId", "get_" + name, "/v1/jobs/" + id, 400, "bad-request"));
    }
    t.push_back(
        request("OddId", "cancel_letters", "POST", "/v1/jobs/abc/cancel", 400, "bad-request"));
    t.push_back(request("OddId", "hold_zero", "POST", "/v1/jobs/0/hold", 400, "bad-request"));

    // Unknown paths.
    for (const auto& [name, target] :
         std::vector<std::pair<std::string, std::string>>{{"root", "/"},
                                                          {"v1", "/v1"},
                                                          {"unknown", "/v1/nope"},
                                                          {"v2", "/v2/jobs"},
                                                          {"upper_case", "/V1/JOBS"},
                                                          {"job_subresource", "/v1/jobs/1/explode"},
                                                          {"too_deep", "/v1/jobs/1/cancel/now"},
                                                          {"dot_segments", "/v1/../etc/passwd"},
                                                          {"asterisk", "*"}}) {
      t.push_back(get("UnknownRoute", name, target, 404, "not-found"));
    }

    // Methods a route does not support: 405 with Allow.
    t.push_back(wrongMethod("delete_job", "DELETE", "/v1/jobs/1", {"GET"}));
    t.push_back(wrongMethod("put_jobs", "PUT", "/v1/jobs", {"GET", "POST"}));
    t.push_back(wrongMethod("patch_jobs", "PATCH", "/v1/jobs", {"GET", "POST"}));
    t.push_back(wrongMethod("get_cancel", "GET", "/v1/jobs/1/cancel", {"POST"}));
    t.push_back(wrongMethod("post_ping", "POST", "/v1/_ping", {"GET"}));
    t.push_back(wrongMethod("put_whoami", "PUT", "/v1/whoami", {"GET"}));
    t.push_back(wrongMethod("post_events", "POST", "/v1/events", {"GET"}));
    t.push_back(wrongMethod("delete_audit", "DELETE", "/v1/audit", {"GET"}));
    t.push_back(wrongMethod("post_audit_verify", "POST", "/v1/audit/verify", {"GET"}));
    t.push_back(wrongMethod("options_jobs", "OPTIONS", "/v1/jobs", {"GET", "POST"}));
    t.push_back(wrongMethod("lower_case_get", "get", "/v1/_ping", {"GET"}));

    // Query parameters.
    for (const auto& [name, target] : std::vector<std::pair<std::string, std::string>>{
             {"state_bogus", "/v1/jobs?state=bogus"},
             {"state_empty", "/v1/jobs?state="},
             {"state_trailing_comma", "/v1/jobs?state=pending,"},
             {"state_upper_case", "/v1/jobs?state=PENDING"},
             {"limit_zero", "/v1/jobs?limit=0"},
             {"limit_letters", "/v1/jobs?limit=abc"},
             {"limit_501", "/v1/jobs?limit=501"},
             {"limit_negative", "/v1/jobs?limit=-5"},
             {"limit_empty", "/v1/jobs?limit="},
             {"limit_huge", "/v1/jobs?limit=99999999999999999999"},
             {"after_letters", "/v1/jobs?after=x"},
             {"after_negative", "/v1/jobs?after=-1"},
             {"unknown_parameter", "/v1/jobs?sort=id"},
             {"ping_with_parameter", "/v1/_ping?x=1"},
             {"get_job_with_parameter", "/v1/jobs/1?fields=all"},
             {"audit_limit_zero", "/v1/audit?limit=0"},
             {"audit_limit_1001", "/v1/audit?limit=1001"},
             {"audit_unknown_parameter", "/v1/audit?user=root"},
             {"events_since_letters", "/v1/events?since=abc"},
             {"events_since_negative", "/v1/events?since=-3"}}) {
      t.push_back(get("QueryParameter", name, target, 400, "bad-request"));
    }
    t.push_back(request("QueryParameter", "submit_with_parameter", "POST", "/v1/jobs?dry_run=1",
                        400, "bad-request"));

    // Percent-encoding.
    for (const auto& [name, target] : std::vector<std::pair<std::string, std::string>>{
             {"bad_hex", "/v1/jobs?state=%zz"},
             {"truncated", "/v1/jobs?state=%4"},
             {"trailing_percent", "/v1/jobs?state=pending%"},
             {"in_key", "/v1/jobs?%G1=pending"},
             {"decodes_to_unknown_state", "/v1/jobs?state=%70ending%00"}}) {
      t.push_back(get("PercentEncoding", name, target, 400, "bad-request"));
    }

    // Not HTTP/1.1 as it should be (sent raw; cardd answers and closes).
    t.push_back(raw("garbage_request_line", "HELLO\r\n\r\n"));
    static constexpr char kTlsHello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n";
    t.push_back(raw("binary_garbage", std::string(kTlsHello, sizeof kTlsHello - 1)));
    t.push_back(raw("missing_version", "GET /v1/_ping\r\nHost: x\r\n\r\n"));
    t.push_back(raw("http_2_0_version", "GET /v1/_ping HTTP/2.0\r\nHost: x\r\n\r\n"));
    t.push_back(raw("http_3_version", "GET /v1/_ping HTTP/3\r\nHost: x\r\n\r\n"));
    t.push_back(raw("http_1_10_version", "GET /v1/_ping HTTP/1.10\r\nHost: x\r\n\r\n"));
    t.push_back(raw("lower_case_protocol", "GET /v1/_ping http/1.1\r\nHost: x\r\n\r\n"));
    t.push_back(raw("http2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    t.push_back(raw("space_in_target", "GET /v1/_ping x HTTP/1.1\r\nHost: x\r\n\r\n"));
    static constexpr char kNulTarget[] = "GET /v1/_p\0ing HTTP/1.1\r\nHost: x\r\n\r\n";
    t.push_back(raw("nul_in_target", std::string(kNulTarget, sizeof kNulTarget - 1)));
    t.push_back(raw("empty_method", " /v1/_ping HTTP/1.1\r\nHost: x\r\n\r\n"));
    t.push_back(raw("bare_lf_line_endings", "GET /v1/_ping HTTP/1.1\nHost: x\n\n"));
    t.push_back(raw("header_without_colon", "GET /v1/_ping HTTP/1.1\r\nHost x\r\n\r\n"));
    t.push_back(raw("space_before_colon", "GET /v1/_ping HTTP/1.1\r\nHost : x\r\n\r\n"));
    t.push_back(
        raw("control_char_in_header", "GET /v1/_ping HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n"));
    t.push_back(raw("content_length_letters",
                    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nContent-Length: abc\r\n\r\n{}"));
    t.push_back(raw("content_length_negative",
                    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nContent-Length: -2\r\n\r\n{}"));
    t.push_back(raw("content_length_conflicting",
                    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nContent-Length: 2\r\n"
                    "Content-Length: 3\r\n\r\n{} "));
    t.push_back(raw("content_length_and_chunked",
                    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nContent-Length: 7\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
    t.push_back(raw("bad_chunk_size",
                    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "zz\r\n{}\r\n0\r\n\r\n"));
    t.push_back(raw("unknown_transfer_encoding",
                    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nTransfer-Encoding: gzip\r\n\r\n{}"));
    return t;
  }();
  return kCases;
}

// --- running a case -------------------------------------------------------------

// The response to `c`, or an explanation of why there is none.
std::optional<Response> perform(const std::string& socket_path, const Case& c, std::string& why) {
  auto conn = connectTo(socket_path);
  if (!c.raw.empty()) {
    if (auto st = conn.sendRaw(c.raw); !st) {
      why = "sendRaw: " + st.error().message;
      return std::nullopt;
    }
    RawReader reader(conn);
    auto res = reader.next(10s, &why);
    if (!res) return std::nullopt;
    return res->toResponse();
  }
  auto res = conn.request(c.method, c.target, c.body, c.content_type, c.headers);
  if (!res) {
    why = res.error().message;
    return std::nullopt;
  }
  return std::move(res).value();
}

std::string describe(const Case& c) {
  std::string out = c.category + "/" + c.name + ": ";
  if (!c.raw.empty()) {
    std::string shown;
    for (char ch : c.raw.substr(0, 80)) {
      if (ch == '\r')
        shown += "\\r";
      else if (ch == '\n')
        shown += "\\n";
      else if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(ch));
        shown += hex;
      } else
        shown += ch;
    }
    return out + "raw \"" + shown + "\"";
  }
  out += c.method + " " + c.target;
  if (!c.body.empty())
    out += " (" + std::to_string(c.body.size()) + "-byte body, " +
           (c.content_type.empty() ? "no type" : c.content_type) + ")";
  return out;
}

// Generic invariants: 4xx and a well-formed problem.
testing::AssertionResult generic(const Case& c, const std::optional<Response>& res,
                                 const std::string& why) {
  if (!res) return testing::AssertionFailure() << describe(c) << ": no response (" << why << ")";
  auto v = isClientErrorProblem(*res);
  if (!v) return testing::AssertionFailure() << describe(c) << ": " << v.message();
  return testing::AssertionSuccess();
}

// The exact expectations of the table.
testing::AssertionResult exact(const Case& c, const Response& res) {
  auto v = isProblem(res, c.status, c.slug);
  if (!v) return testing::AssertionFailure() << describe(c) << ": " << v.message();
  if (!c.pointer.empty() || (c.status == 422 && c.pointer.empty())) {
    auto p = hasFieldError(res, c.pointer);
    if (!p) return testing::AssertionFailure() << describe(c) << ": " << p.message();
  }
  if (!c.allow.empty()) {
    const std::string allow = res.header("allow");
    for (const auto& m : c.allow) {
      if (allow.find(m) == std::string::npos) {
        return testing::AssertionFailure()
               << describe(c) << ": Allow \"" << allow << "\" lacks " << m;
      }
    }
  }
  if (!c.secret.empty() && res.body.find(c.secret) != std::string::npos) {
    return testing::AssertionFailure()
           << describe(c) << ": the problem echoes the submitted value: " << res.body;
  }
  return testing::AssertionSuccess();
}

class MalformedRequestTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon_.start()); }

  // Runs every case of `category` with the exact expectations, and checks
  // the daemon after each.
  void runCategory(const std::string& category) {
    int n = 0;
    for (const auto& c : cases()) {
      if (c.category != category) continue;
      ++n;
      std::string why;
      const auto res = perform(daemon_.socketPath(), c, why);
      EXPECT_TRUE(generic(c, res, why));
      if (res) {
        EXPECT_TRUE(exact(c, *res));
      }
      ASSERT_TRUE(pingOk(daemon_.socketPath())) << "after " << describe(c);
    }
    ASSERT_GT(n, 0) << "no cases in category " << category;
    EXPECT_TRUE(submitOk(daemon_.socketPath())) << "a valid job after the " << category << " cases";
    // Refused requests stored nothing: only that valid job exists.
    auto list = jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/jobs", {}, {}));
    EXPECT_EQ(list.at("jobs").as_array().size(), 1u)
        << "a refused request stored a job: " << json::serialize(list);
  }

  DaemonProcess daemon_;
};

TEST(MalformedRequestTable, HasAtLeastFortyDistinctCases) {
  std::set<std::string> names;
  for (const auto& c : cases()) {
    EXPECT_TRUE(names.insert(c.category + "/" + c.name).second) << "duplicate case " << c.name;
    EXPECT_GE(c.status, 400);
    EXPECT_LT(c.status, 500);
  }
  EXPECT_GE(names.size(), 40u);
}

TEST_F(MalformedRequestTest, JsonSyntax) {
  runCategory("JsonSyntax");
}
TEST_F(MalformedRequestTest, NotAnObject) {
  runCategory("NotAnObject");
}
TEST_F(MalformedRequestTest, WrongType) {
  runCategory("WrongType");
}
TEST_F(MalformedRequestTest, BadValue) {
  runCategory("BadValue");
}
TEST_F(MalformedRequestTest, UnknownField) {
  runCategory("UnknownField");
}
TEST_F(MalformedRequestTest, Missing) {
  runCategory("Missing");
}
TEST_F(MalformedRequestTest, Person) {
  runCategory("Person");
}
TEST_F(MalformedRequestTest, Photo) {
  runCategory("Photo");
}
TEST_F(MalformedRequestTest, Fingerprints) {
  runCategory("Fingerprints");
}
TEST_F(MalformedRequestTest, ContentType) {
  runCategory("ContentType");
}
TEST_F(MalformedRequestTest, OddId) {
  runCategory("OddId");
}
TEST_F(MalformedRequestTest, UnknownRoute) {
  runCategory("UnknownRoute");
}
TEST_F(MalformedRequestTest, WrongMethod) {
  runCategory("WrongMethod");
}
TEST_F(MalformedRequestTest, QueryParameter) {
  runCategory("QueryParameter");
}
TEST_F(MalformedRequestTest, PercentEncoding) {
  runCategory("PercentEncoding");
}
TEST_F(MalformedRequestTest, RawHttp) {
  runCategory("RawHttp");
}

// The whole table against one daemon, in one keep-alive session where the
// protocol allows: only the generic invariants (4xx + problem); then the
// daemon must still ping and take a valid job.
TEST_F(MalformedRequestTest, WholeTableOnOneDaemon) {
  auto conn = connectTo(daemon_.socketPath());
  int count = 0;
  for (const auto& c : cases()) {
    ++count;
    std::string why;
    std::optional<Response> res;
    if (c.raw.empty()) {
      if (!conn.isOpen()) conn = connectTo(daemon_.socketPath());
      auto r = conn.request(c.method, c.target, c.body, c.content_type, c.headers);
      if (r) {
        res = std::move(r).value();
        // A response that closes the connection (413): start a new one.
        if (res->header("connection") == "close") conn = connectTo(daemon_.socketPath());
      } else {
        why = r.error().message;
        conn = connectTo(daemon_.socketPath());
      }
    } else {
      res = perform(daemon_.socketPath(), c, why);
      EXPECT_TRUE(pingOk(daemon_.socketPath())) << "after " << describe(c);
    }
    EXPECT_TRUE(generic(c, res, why));
  }
  EXPECT_GE(count, 40);
  EXPECT_TRUE(pingOk(daemon_.socketPath()));
  EXPECT_TRUE(submitOk(daemon_.socketPath()));
  auto verify = jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/audit/verify", {}, {}));
  EXPECT_EQ(verify.at("ok"), true);
}

}  // namespace
}  // namespace cardd::test
