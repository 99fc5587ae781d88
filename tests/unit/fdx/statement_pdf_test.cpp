#include "fdx/statement_pdf.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"

namespace obauth::fdx {
namespace {

using namespace std::string_literals;

StatementContent Sample() {
  StatementContent s;
  s.institution = "obauth Sandbox Bank";
  s.customer_name = "Alice Martin";
  s.account_name = "Everyday Chequing";
  s.account_number_display = "****4821";
  s.currency = "CAD";
  s.period_start = "2026-11-01";
  s.period_end = "2026-11-30";
  s.opening_balance_cents = 123456;
  s.lines = {{"2026-11-03", "Payroll deposit", true, 250000},
             {"2026-11-04", "Coffee shop", false, 475},
             {"2026-11-20", "Rent", false, 180000}};
  s.closing_balance_cents = 123456 + 250000 - 475 - 180000;  // 1,929.81
  return s;
}

std::string Render(const StatementContent& s) {
  const auto pdf = RenderStatementPdf(s);
  EXPECT_TRUE(pdf) << (pdf ? "" : pdf.error().internal);
  return pdf ? *pdf : std::string();
}

// The text poppler's pdftotext reads from `pdf` (UTF-8, columns kept, '\f' after each page).
// Fails the test when pdftotext is missing: scripts/setup.sh installs poppler-utils.
std::string PdfText(const std::string& pdf) {
  const auto dir = test_support::MakeUniqueTempDir();
  const auto file = dir / "statement.pdf";
  std::ofstream(file, std::ios::binary) << pdf;
  std::string text;
  const std::string command = "pdftotext -layout '" + file.string() + "' - 2>&1";
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
      text.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << "pdftotext (poppler-utils, scripts/setup.sh) failed: " << text;
  } else {
    ADD_FAILURE() << "popen failed";
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return text;
}

// The output line that contains `needle`, or "".
std::string LineWith(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return {};
  const auto begin = text.rfind('\n', at) + 1;  // npos + 1 == 0 on the first line
  return text.substr(begin, text.find('\n', at) - begin);
}

TEST(StatementPdf, IsACompletePdfFile) {
  const auto pdf = Render(Sample());
  ASSERT_GT(pdf.size(), 100u);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_NE(pdf.find("%%EOF", pdf.size() - 16), std::string::npos);
}

TEST(StatementPdf, SameStatementGivesSameBytes) { EXPECT_EQ(Render(Sample()), Render(Sample())); }

TEST(StatementPdf, ShowsTheHeadingDetailsAndEachLineWithItsRunningBalance) {
  const auto text = PdfText(Render(Sample()));
  for (const char* expected : {"obauth Sandbox Bank", "Account statement", "Alice Martin",
                               "Everyday Chequing ****4821", "CAD", "2026-11-01 to 2026-11-30"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
  }
  EXPECT_NE(LineWith(text, "Opening balance").find("1,234.56"), std::string::npos) << text;
  // Date, description, amount, and the balance after the line.
  const auto payroll = LineWith(text, "Payroll deposit");
  EXPECT_NE(payroll.find("2026-11-03"), std::string::npos) << payroll;
  EXPECT_NE(payroll.find("2,500.00"), std::string::npos) << payroll;
  EXPECT_NE(payroll.find("3,734.56"), std::string::npos) << payroll;
  const auto coffee = LineWith(text, "Coffee shop");
  EXPECT_NE(coffee.find(" 4.75 "), std::string::npos) << coffee;
  EXPECT_NE(coffee.find("3,729.81"), std::string::npos) << coffee;
  EXPECT_NE(LineWith(text, "Closing balance").find("1,929.81"), std::string::npos) << text;
  EXPECT_NE(text.find("Page 1 of 1"), std::string::npos) << text;
}

TEST(StatementPdf, ShowsNegativeBalancesWithAMinusSign) {
  auto s = Sample();
  s.opening_balance_cents = 0;
  s.lines = {{"2026-11-02", "Overdrawn", false, 123456789}};
  s.closing_balance_cents = -123456789;
  const auto text = PdfText(Render(s));
  EXPECT_NE(LineWith(text, "Overdrawn").find("-1,234,567.89"), std::string::npos) << text;
  EXPECT_NE(LineWith(text, "Closing balance").find("-1,234,567.89"), std::string::npos) << text;
}

TEST(StatementPdf, LongStatementsContinueOnMorePagesUnderRepeatedHeadings) {
  auto s = Sample();
  s.lines.clear();
  for (int i = 1; i <= 150; ++i) {
    s.lines.push_back({"2026-11-15", "Purchase number " + std::to_string(i), false, 100});
  }
  s.closing_balance_cents = s.opening_balance_cents - 150 * 100;
  const auto text = PdfText(Render(s));
  const auto pages = std::count(text.begin(), text.end(), '\f');
  EXPECT_GT(pages, 1) << text;
  EXPECT_NE(text.find("Page 1 of " + std::to_string(pages)), std::string::npos) << text;
  EXPECT_NE(text.find("Page " + std::to_string(pages) + " of " + std::to_string(pages)),
            std::string::npos)
      << text;
  // Column headings on every page.
  std::size_t headings = 0;
  for (auto at = text.find("Description"); at != std::string::npos;
       at = text.find("Description", at + 1)) {
    ++headings;
  }
  EXPECT_EQ(headings, static_cast<std::size_t>(pages));
  EXPECT_NE(text.find("Purchase number 1 "), std::string::npos);
  EXPECT_NE(text.find("Purchase number 150"), std::string::npos) << text;
  EXPECT_NE(LineWith(text, "Closing balance").find("1,084.56"), std::string::npos) << text;
}

TEST(StatementPdf, KeepsLatin1LettersAndReplacesWhatTheFontCannotShow) {
  auto s = Sample();
  s.customer_name = "Zoë Tremblay";
  s.lines[0].description = "Café \u2615 naïve \u2013 5\u20ac";
  s.lines[1].description = "Tab\there\nnew\rline\0end"s;
  s.lines[2].description = "Bad \xff\xc3 bytes";
  const auto text = PdfText(Render(s));
  EXPECT_NE(text.find("Zoë Tremblay"), std::string::npos) << text;
  EXPECT_NE(text.find("Café ? naïve \u2013 5\u20ac"), std::string::npos) << text;
  EXPECT_NE(text.find("Tab here new line end"), std::string::npos) << text;
  EXPECT_NE(text.find("Bad ?? bytes"), std::string::npos) << text;
  EXPECT_NE(LineWith(text, "Closing balance").find("1,929.81"), std::string::npos) << text;
}

TEST(StatementPdf, CutsADescriptionTooWideForItsColumn) {
  auto s = Sample();
  const std::string description =
      "Monthly subscription renewal for the premium streaming plan with every add-on included";
  s.lines[1].description = description;
  const auto text = PdfText(Render(s));
  EXPECT_EQ(text.find(description), std::string::npos) << text;
  const auto line = LineWith(text, "Monthly subscription");
  EXPECT_NE(line.find("..."), std::string::npos) << line;
  // The amounts still stand in their own columns.
  EXPECT_NE(line.find(" 4.75 "), std::string::npos) << line;
  EXPECT_NE(line.find("3,729.81"), std::string::npos) << line;
}

}  // namespace
}  // namespace obauth::fdx
