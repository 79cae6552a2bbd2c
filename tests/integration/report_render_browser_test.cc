// Renders the sample assessment report to HTML and screenshots it with Debian's chromium
// (headless), then decodes the PNG and checks that the page really shows red, amber and
// green rating cells. The HTML and PNG are kept in <build>/tests/artifacts/ for a human to
// look at. Without chromium the test fails with a clear message: it never passes unseen.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/reporting/render.h"
#include "tests/support/paths.h"
#include "tests/support/read_file.h"
#include "tests/support/report_samples.h"

namespace sixsteps::reporting {
namespace {

namespace fs = std::filesystem;

using ::sixsteps::testing::ReadFile;

// The chromium binary: $SIXSTEPS_CHROMIUM, else the first of the usual names on PATH.
std::string FindChromium() {
  if (const char* env = std::getenv("SIXSTEPS_CHROMIUM"); env != nullptr && *env != '\0')
    return env;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "/usr/bin:/bin" : path, ':')) {
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
      fs::path candidate = fs::path(std::string(dir)) / name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return "";
}

// A decoded 8-bit RGB(A) PNG.
struct Image {
  uint32_t width = 0;
  uint32_t height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // width * height * channels
};

uint32_t BigEndian32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

// Enough of PNG for chromium's screenshots: 8-bit RGB or RGBA, not interlaced.
std::string DecodePng(const std::string& png, Image* image) {
  static const char kSignature[] = "\x89PNG\r\n\x1a\n";
  if (png.size() < 33 || png.compare(0, 8, kSignature, 8) != 0) return "not a PNG file";
  std::string idat;
  int bit_depth = 0;
  int color_type = 0;
  int interlace = 0;
  for (size_t at = 8; at + 8 <= png.size();) {
    uint32_t length = BigEndian32(png, at);
    std::string type = png.substr(at + 4, 4);
    if (at + 12 + length > png.size()) return "truncated chunk " + type;
    if (type == "IHDR") {
      image->width = BigEndian32(png, at + 8);
      image->height = BigEndian32(png, at + 12);
      bit_depth = uint8_t(png[at + 16]);
      color_type = uint8_t(png[at + 17]);
      interlace = uint8_t(png[at + 20]);
    } else if (type == "IDAT") {
      idat.append(png, at + 8, length);
    } else if (type == "IEND") {
      break;
    }
    at += 12 + length;
  }
  if (bit_depth != 8 || (color_type != 2 && color_type != 6) || interlace != 0) {
    return absl::StrCat("unsupported PNG: depth ", bit_depth, " colour type ", color_type,
                        " interlace ", interlace);
  }
  image->channels = color_type == 6 ? 4 : 3;
  const size_t stride = size_t(image->width) * image->channels;
  std::vector<uint8_t> raw((stride + 1) * image->height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_size != raw.size()) {
    return "cannot inflate the image data";
  }
  image->pixels.assign(stride * image->height, 0);
  const int bpp = image->channels;
  for (uint32_t y = 0; y < image->height; ++y) {
    uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* out = &image->pixels[y * stride];
    const uint8_t* up = y > 0 ? &image->pixels[(y - 1) * stride] : nullptr;
    for (size_t x = 0; x < stride; ++x) {
      int a = x >= size_t(bpp) ? out[x - bpp] : 0;
      int b = up != nullptr ? up[x] : 0;
      int c = (up != nullptr && x >= size_t(bpp)) ? up[x - bpp] : 0;
      int predictor = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) / 2;
          break;
        case 4: {
          int p = a + b - c;
          int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predictor = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
          break;
        }
        default:
          return absl::StrCat("bad filter type ", int(filter), " in row ", y);
      }
      out[x] = uint8_t(in[x] + predictor);
    }
  }
  return "";
}

// Pixels within a small distance of an RGB colour.
size_t CountNear(const Image& image, int r, int g, int b) {
  size_t n = 0;
  for (size_t i = 0; i + 2 < image.pixels.size(); i += image.channels) {
    int d = std::abs(image.pixels[i] - r) + std::abs(image.pixels[i + 1] - g) +
            std::abs(image.pixels[i + 2] - b);
    if (d <= 24) ++n;
  }
  return n;
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    artifacts_ = ::sixsteps::testing::BuildDir() / "tests" / "artifacts";
    fs::create_directories(artifacts_);
    char tmpl[] = "/tmp/report_browser_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  // Screenshots file://`html` into `png` with a fresh profile; returns chromium's exit code.
  int Screenshot(const std::string& chromium, const fs::path& html, const fs::path& png,
                 const std::string& name) {
    fs::path profile = tmp_ / ("profile-" + name);
    fs::create_directories(profile);
    fs::remove(png);
    // --no-sandbox: chromium's sandbox refuses to run as root (as in CI containers); the
    // page is our own file.
    std::string command = absl::StrCat(
        "timeout 120 '", chromium,
        "' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking"
        " --disable-component-update --disable-sync --hide-scrollbars --user-data-dir='",
        profile.string(), "' --screenshot='", png.string(), "' --window-size=1400,1000 'file://",
        html.string(), "' >'", (artifacts_ / ("chromium-" + name + ".log")).string(), "' 2>&1");
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  fs::path artifacts_;
  fs::path tmp_;
};

TEST_F(ReportBrowserTest, AssessmentReportRendersInChromium) {
  std::string chromium = FindChromium();
  ASSERT_FALSE(chromium.empty())
      << "chromium is not installed, so the HTML report cannot be checked in a browser. Install it "
         "(apt-get install chromium; it is listed in scripts/lib/packages.txt) or point "
         "SIXSTEPS_CHROMIUM at a Chromium/Chrome binary.";

  absl::StatusOr<Rendered> html = Render(testing::SampleAssessmentReport(), v1::FORMAT_HTML);
  ASSERT_TRUE(html.ok()) << html.status();
  fs::path page = tmp_ / "report.html";
  std::ofstream(page, std::ios::binary) << html->content;
  std::ofstream(artifacts_ / "report.html", std::ios::binary) << html->content;
  fs::path blank_page = tmp_ / "blank.html";
  std::ofstream(blank_page)
      << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>\n";

  fs::path png = artifacts_ / "report.png";
  fs::path blank_png = artifacts_ / "blank.png";
  ASSERT_EQ(Screenshot(chromium, page, png, "report"), 0)
      << "chromium failed; see " << (artifacts_ / "chromium-report.log");
  ASSERT_EQ(Screenshot(chromium, blank_page, blank_png, "blank"), 0)
      << "chromium failed; see " << (artifacts_ / "chromium-blank.log");
  ASSERT_TRUE(fs::exists(png)) << "no screenshot; see " << (artifacts_ / "chromium-report.log");
  ASSERT_TRUE(fs::exists(blank_png));

  std::string report_bytes = ReadFile(png);
  std::string blank_bytes = ReadFile(blank_png);
  EXPECT_GT(report_bytes.size(), 20u * 1024) << "a real page, not an empty one";
  EXPECT_GT(report_bytes.size(), 3 * blank_bytes.size())
      << "the report screenshot (" << report_bytes.size()
      << " bytes) should be much larger than a blank page's (" << blank_bytes.size() << " bytes)";

  Image image;
  std::string error = DecodePng(report_bytes, &image);
  ASSERT_EQ(error, "") << png;
  EXPECT_EQ(image.width, 1400u);
  EXPECT_EQ(image.height, 1000u);
  // The rating colours of render.cc's CSS: red #b71c1c, amber #ffbf00, green #1b5e20.
  size_t red = CountNear(image, 0xB7, 0x1C, 0x1C);
  size_t amber = CountNear(image, 0xFF, 0xBF, 0x00);
  size_t green = CountNear(image, 0x1B, 0x5E, 0x20);
  EXPECT_GT(red, 500u) << "red rating cells visible";
  EXPECT_GT(amber, 500u) << "amber rating cells visible";
  EXPECT_GT(green, 500u) << "green rating cells visible";
  size_t white = CountNear(image, 0xFF, 0xFF, 0xFF);
  EXPECT_LT(white, size_t(image.width) * image.height) << "not a single colour";
  std::cerr << "screenshot " << png << ": " << report_bytes.size() << " bytes (blank page "
            << blank_bytes.size() << "), red " << red << " amber " << amber << " green " << green
            << " pixels\n";
}

}  // namespace
}  // namespace sixsteps::reporting
