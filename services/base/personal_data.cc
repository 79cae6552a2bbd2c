// Hand-written scanners rather than std::regex: texts run to 10,000 characters, and
// libstdc++'s regex recurses per character (a long text can exhaust the stack).
#include "services/base/personal_data.h"

#include <array>
#include <cctype>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sixsteps {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }
bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }
char At(std::string_view text, size_t i) { return i < text.size() ? text[i] : '\0'; }

// ---- NHS numbers ----

// The digits of an NHS number starting at `i` (a digit with no letter or digit before it):
// 10 together, or 3-3-4 separated by one space or hyphen; no letter or digit after. Digits
// inside a longer token (a resource id such as "a-5d34368312345678") are not a number.
bool NhsNumberAt(std::string_view text, size_t i) {
  std::string digits;
  size_t j = i;
  const std::array<size_t, 3> groups = {3, 3, 4};
  // Together.
  while (IsDigit(At(text, j))) digits += text[j++];
  if (digits.size() == 10) return !IsAlnum(At(text, j)) && IsValidNhsNumber(digits);
  if (digits.size() != 3) return false;
  for (size_t g = 1; g < groups.size(); ++g) {
    const char separator = At(text, j);
    if (separator != ' ' && separator != '-') return false;
    ++j;
    size_t length = 0;
    while (IsDigit(At(text, j))) {
      digits += text[j++];
      ++length;
    }
    if (length != groups[g]) return false;
  }
  return !IsAlnum(At(text, j)) && IsValidNhsNumber(digits);
}

bool HasNhsNumber(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsDigit(text[i]) && (i == 0 || !IsAlnum(text[i - 1])) && NhsNumberAt(text, i)) {
      return true;
    }
  }
  return false;
}

// ---- Postcodes ----

// The postcode areas of the United Kingdom (and the Crown dependencies).
constexpr std::string_view kPostcodeAreas[] = {
    "AB", "AL", "B",  "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH",
    "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E",
    "EC", "EH", "EN", "EX", "FK", "FY", "G",  "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS",
    "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L",  "LA", "LD", "LE", "LL",
    "LN", "LS", "LU", "M",  "ME", "MK", "ML", "N",  "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX",
    "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S",  "SA", "SE", "SG", "SK", "SL", "SM",
    "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW",
    "UB", "W",  "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE", "BF"};

bool IsPostcodeArea(std::string_view letters) {
  std::string upper = absl::AsciiStrToUpper(std::string(letters));
  for (std::string_view area : kPostcodeAreas) {
    if (area == upper) return true;
  }
  return false;
}

// A full postcode starting at `i` (a letter with no letter or digit before it).
bool PostcodeAt(std::string_view text, size_t i) {
  size_t j = i;
  while (IsAlpha(At(text, j)) && j - i < 2) ++j;
  if (!IsPostcodeArea(text.substr(i, j - i)) || !IsDigit(At(text, j))) return false;
  // The district: one or two digits, or a digit and a letter ("SW1A", "W1J").
  ++j;
  if (IsDigit(At(text, j)) || IsAlpha(At(text, j))) ++j;
  // The inward code, after at most one space: a digit and two letters, then no more.
  // Its letters are never C, I, K, M, O or V.
  auto inward_letter = [&](size_t k) {
    return IsAlpha(At(text, k)) &&
           std::string_view("CIKMOVcikmov").find(text[k]) == std::string_view::npos;
  };
  auto inward_at = [&](size_t k) {
    return IsDigit(At(text, k)) && inward_letter(k + 1) && inward_letter(k + 2) &&
           !IsAlnum(At(text, k + 3));
  };
  if (At(text, j) == ' ') return inward_at(j + 1);
  if (inward_at(j)) return true;
  // "B338TH": the district's second digit may be the inward code's digit.
  return IsDigit(At(text, j - 1)) && IsDigit(At(text, j - 2)) && inward_at(j - 1);
}

bool HasPostcode(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsAlpha(text[i]) && (i == 0 || !IsAlnum(text[i - 1])) && PostcodeAt(text, i)) return true;
  }
  return false;
}

// ---- Email addresses ----

bool IsLocalPartChar(char c) {
  return IsAlnum(c) || std::string_view("._%+-'").find(c) != std::string_view::npos;
}

bool HasEmail(std::string_view text) {
  for (size_t at = 0; at < text.size(); ++at) {
    if (text[at] != '@' || at == 0 || !IsLocalPartChar(text[at - 1])) continue;
    // The domain: labels of letters, digits and hyphens separated by dots, the last of at
    // least two letters.
    size_t j = at + 1;
    int labels = 0;
    size_t last_label_letters = 0;
    while (true) {
      size_t start = j;
      bool letters_only = true;
      while (IsAlnum(At(text, j)) || At(text, j) == '-') {
        if (!IsAlpha(text[j])) letters_only = false;
        ++j;
      }
      if (j == start) break;
      ++labels;
      last_label_letters = letters_only ? j - start : 0;
      if (At(text, j) != '.' || !IsAlnum(At(text, j + 1))) break;
      ++j;
    }
    if (labels >= 2 && last_label_letters >= 2) return true;
  }
  return false;
}

// ---- Phone numbers ----

// Reads up to `want` digits from `j`, allowing one space, hyphen or bracket (or a space
// and a bracket) between digits; false if a digit follows them.
bool PhoneDigits(std::string_view text, size_t j, size_t want, std::string* digits) {
  while (digits->size() < want) {
    if (IsDigit(At(text, j))) {
      *digits += text[j++];
      continue;
    }
    if (digits->empty()) return false;
    size_t gap = 0;
    while (gap < 2 && std::string_view(" -()").find(At(text, j)) != std::string_view::npos &&
           At(text, j) != '\0') {
      ++j;
      ++gap;
    }
    if (gap == 0 || !IsDigit(At(text, j))) return false;
  }
  // The number ends here: no digit straight after it.
  return !IsDigit(At(text, j));
}

bool IsPhoneStart(char c) { return c == '1' || c == '2' || c == '3' || c == '7'; }

bool PhoneAt(std::string_view text, size_t i) {
  std::string digits;
  if (text[i] == '+') {
    if (At(text, i + 1) != '4' || At(text, i + 2) != '4') return false;
    size_t j = i + 3;
    if (At(text, j) == ' ' || At(text, j) == '-') ++j;
    if (text.substr(j, 3) == "(0)") {
      j += 3;
      if (At(text, j) == ' ' || At(text, j) == '-') ++j;
    }
    if (!IsPhoneStart(At(text, j))) return false;
    return PhoneDigits(text, j, 10, &digits);
  }
  size_t j = i;
  if (text[j] == '(') ++j;
  if (At(text, j) != '0' || !IsPhoneStart(At(text, j + 1))) return false;
  return PhoneDigits(text, j, 11, &digits);
}

bool HasPhoneNumber(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '+' && c != '0' && c != '(') continue;
    if (i > 0 && (IsAlnum(text[i - 1]) || text[i - 1] == '+')) continue;
    if (PhoneAt(text, i)) return true;
  }
  return false;
}

// ---- Dates of birth ----

constexpr std::array<std::string_view, 12> kMonths = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

// The month named by the word at `i` of `lower` (in full, or its first three letters, or
// "sept"), with its length; 0 if none.
int MonthAt(std::string_view lower, size_t i, size_t* length) {
  size_t j = i;
  while (IsAlpha(At(lower, j))) ++j;
  std::string_view word = lower.substr(i, j - i);
  *length = j - i;
  for (size_t m = 0; m < kMonths.size(); ++m) {
    if (word == kMonths[m] || (word.size() == 3 && kMonths[m].substr(0, 3) == word) ||
        (m == 8 && word == "sept")) {
      return static_cast<int>(m) + 1;
    }
  }
  return 0;
}

// Reads a number of 1 to `max_digits` digits at `*j` (and no more digits after).
bool NumberAt(std::string_view text, size_t* j, size_t min_digits, size_t max_digits, int* value) {
  size_t k = *j;
  int result = 0;
  while (IsDigit(At(text, k)) && k - *j <= max_digits) result = result * 10 + (text[k++] - '0');
  const size_t length = k - *j;
  if (length < min_digits || length > max_digits) return false;
  *value = result;
  *j = k;
  return true;
}

void SkipOrdinal(std::string_view lower, size_t* j) {
  for (std::string_view suffix : {"st", "nd", "rd", "th"}) {
    if (lower.substr(*j, 2) == suffix && !IsAlpha(At(lower, *j + 2))) {
      *j += 2;
      return;
    }
  }
}

bool PlausibleDayMonth(int day, int month) {
  return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}

// A full date starting at `i` of `lower`: d/m/y (with "/", "-" or "."), y-m-d, "3 April 2015",
// "3rd of April, 2015" or "April 3, 2015".
bool DateAt(std::string_view lower, size_t i) {
  size_t j = i;
  int first = 0;
  size_t month_length = 0;
  if (IsDigit(lower[i])) {
    if (!NumberAt(lower, &j, 1, 4, &first)) return false;
    const char separator = At(lower, j);
    if (separator == '/' || separator == '-' || separator == '.') {
      const size_t first_length = j - i;
      int second = 0;
      int third = 0;
      ++j;
      if (!NumberAt(lower, &j, 1, 2, &second) || At(lower, j) != separator) return false;
      const size_t third_start = ++j;
      if (!NumberAt(lower, &j, 1, 4, &third)) return false;
      const size_t third_length = j - third_start;
      if (first_length == 4) return third_length <= 2 && PlausibleDayMonth(third, second);
      return first_length <= 2 && (third_length == 2 || third_length == 4) &&
             PlausibleDayMonth(first, second);
    }
    // "3 April 2015", "3rd of April, 2015".
    if (first > 31) return false;
    SkipOrdinal(lower, &j);
    while (At(lower, j) == ' ') ++j;
    if (lower.substr(j, 3) == "of ") j += 3;
    if (MonthAt(lower, j, &month_length) == 0) return false;
    j += month_length;
    if (At(lower, j) == '.') ++j;
    if (At(lower, j) == ',') ++j;
    while (At(lower, j) == ' ') ++j;
    int year = 0;
    return NumberAt(lower, &j, 4, 4, &year);
  }
  // "April 3, 2015", "April 3rd 2015".
  if (MonthAt(lower, j, &month_length) == 0) return false;
  j += month_length;
  while (At(lower, j) == ' ') ++j;
  int day = 0;
  if (!NumberAt(lower, &j, 1, 2, &day) || day < 1 || day > 31) return false;
  SkipOrdinal(lower, &j);
  if (At(lower, j) == ',') ++j;
  while (At(lower, j) == ' ') ++j;
  int year = 0;
  return NumberAt(lower, &j, 4, 4, &year);
}

bool IsWordAt(std::string_view lower, size_t i, std::string_view word) {
  return lower.substr(i, word.size()) == word && (i == 0 || !IsAlnum(lower[i - 1])) &&
         !IsAlpha(At(lower, i + word.size()));
}

constexpr std::array<std::string_view, 7> kBirthCues = {
    "dob", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "born"};
// How far after its cue a date of birth may start.
constexpr size_t kCueReach = 40;

bool HasDateOfBirth(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  for (size_t i = 0; i < lower.size(); ++i) {
    for (std::string_view cue : kBirthCues) {
      if (!IsWordAt(lower, i, cue)) continue;
      const size_t from = i + cue.size();
      for (size_t k = from; k < lower.size() && k <= from + kCueReach; ++k) {
        if ((IsDigit(lower[k]) || IsAlpha(lower[k])) && !IsAlnum(lower[k - 1]) &&
            DateAt(lower, k)) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

bool IsValidNhsNumber(std::string_view ten_digits) {
  if (ten_digits.size() != 10) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    if (!IsDigit(ten_digits[i])) return false;
    sum += (ten_digits[i] - '0') * (10 - i);
  }
  if (!IsDigit(ten_digits[9])) return false;
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  return check != 10 && check == ten_digits[9] - '0';
}

absl::Status CheckNoPersonalData(std::string_view field, std::string_view text) {
  const char* kind = nullptr;
  if (HasNhsNumber(text)) {
    kind = "an NHS number";
  } else if (HasEmail(text)) {
    kind = "an email address";
  } else if (HasPhoneNumber(text)) {
    kind = "a phone number";
  } else if (HasPostcode(text)) {
    kind = "a postcode";
  } else if (HasDateOfBirth(text)) {
    kind = "a date of birth";
  }
  if (kind == nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": looks like ", kind,
                                                 "; scrutiny records must not hold personal data"));
}

}  // namespace sixsteps
