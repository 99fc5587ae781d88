#include "fdx/statement_pdf.hpp"

#include <fmt/format.h>
#include <hpdf.h>

#include <array>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/utf8.hpp"

namespace obauth::fdx {
namespace {

// Layout of an A4 portrait page in points (1/72 inch), origin at the bottom left.
constexpr HPDF_REAL kLeft = 50;
constexpr HPDF_REAL kRight = 545;
constexpr HPDF_REAL kTop = 790;
constexpr HPDF_REAL kBottom = 60;  // rows stay above the footer
constexpr HPDF_REAL kFooterY = 30;
constexpr HPDF_REAL kLine = 14;  // baseline to baseline
constexpr HPDF_REAL kSize = 9;   // table and details text
constexpr HPDF_REAL kValueX = 140;
constexpr HPDF_REAL kDescriptionX = 112;
constexpr HPDF_REAL kDescriptionWidth = 190;  // leaves a gap before the widest debit
// The amount columns are right-aligned on these edges.
constexpr HPDF_REAL kDebitRight = 385;
constexpr HPDF_REAL kCreditRight = 465;
constexpr HPDF_REAL kBalanceRight = kRight;

// The characters CP1252 puts in 0x80-0x9F (where Latin-1 has control characters).
constexpr std::array<std::pair<char32_t, char>, 27> kCp1252Extras = {{
    {0x20AC, '\x80'}, {0x201A, '\x82'}, {0x0192, '\x83'}, {0x201E, '\x84'}, {0x2026, '\x85'},
    {0x2020, '\x86'}, {0x2021, '\x87'}, {0x02C6, '\x88'}, {0x2030, '\x89'}, {0x0160, '\x8A'},
    {0x2039, '\x8B'}, {0x0152, '\x8C'}, {0x017D, '\x8E'}, {0x2018, '\x91'}, {0x2019, '\x92'},
    {0x201C, '\x93'}, {0x201D, '\x94'}, {0x2022, '\x95'}, {0x2013, '\x96'}, {0x2014, '\x97'},
    {0x02DC, '\x98'}, {0x2122, '\x99'}, {0x0161, '\x9A'}, {0x203A, '\x9B'}, {0x0153, '\x9C'},
    {0x017E, '\x9E'}, {0x0178, '\x9F'},
}};

// `utf8` in WinAnsiEncoding (CP1252), the only encoding the standard fonts take without
// embedding a font. Control and bidi formatting characters would have no glyph (and a NUL
// would cut the string), so they become spaces; invalid bytes and what CP1252 lacks, '?'.
std::string ToWinAnsi(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  while (!utf8.empty()) {
    const CodePoint cp = FirstCodePoint(utf8);
    utf8.remove_prefix(cp.bytes);
    char byte = '?';
    if (IsControlOrBidi(cp.value)) {
      byte = ' ';
    } else if (cp.value < 0x100) {
      byte = static_cast<char>(cp.value);
    } else {
      for (const auto& [code, cp1252] : kCp1252Extras) {
        if (code == cp.value) byte = cp1252;
      }
    }
    out += byte;
  }
  return out;
}

// "1,234.56", "-1,234.56".
std::string FormatCents(std::int64_t cents) {
  // Unsigned, so that the magnitude of INT64_MIN exists too.
  const auto magnitude =
      cents < 0 ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  const std::string units = std::to_string(magnitude / 100);
  std::string out = cents < 0 ? "-" : "";
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (i > 0 && (units.size() - i) % 3 == 0) out += ',';
    out += units[i];
  }
  out += '.';
  out += static_cast<char>('0' + magnitude % 100 / 10);
  out += static_cast<char>('0' + magnitude % 10);
  return out;
}

// libHaru reports errors to this callback and then returns an error status, carrying on as
// well as it can; unwinding through its C frames is not an option. The first error is kept
// and decides the result once the document is written.
struct FirstError {
  HPDF_STATUS error = HPDF_OK;
  HPDF_STATUS detail = HPDF_OK;
};

void KeepFirstError(HPDF_STATUS error, HPDF_STATUS detail, void* user_data) {
  auto& first = *static_cast<FirstError*>(user_data);
  if (first.error == HPDF_OK) first = {error, detail};
}

struct DocFree {
  void operator()(HPDF_Doc doc) const { HPDF_Free(doc); }
};
using DocPtr = std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, DocFree>;

// Writes the statement top to bottom, starting a page whenever the next line would not fit.
class Writer {
 public:
  Writer(HPDF_Doc doc, HPDF_Font regular, HPDF_Font bold)
      : doc_(doc), regular_(regular), bold_(bold) {}

  // False when libHaru could not add a page (the error handler has the reason).
  bool Write(const StatementContent& s) {
    if (!NewPage()) return false;
    Text(bold_, 16, kLeft, ToWinAnsi(s.institution));
    y_ -= 20;
    Text(regular_, 12, kLeft, "Account statement");
    y_ -= 2 * kLine;
    Detail("Customer", ToWinAnsi(s.customer_name));
    Detail("Account", ToWinAnsi(s.account_name + " " + s.account_number_display));
    Detail("Currency", ToWinAnsi(s.currency));
    Detail("Period", ToWinAnsi(s.period_start + " to " + s.period_end));
    Detail("Opening balance", FormatCents(s.opening_balance_cents));
    y_ -= kLine;
    ColumnHeadings();

    std::int64_t balance = s.opening_balance_cents;
    for (const auto& line : s.lines) {
      if (!MakeRoom(kLine)) return false;
      balance += line.credit ? line.amount_cents : -line.amount_cents;
      Text(regular_, kSize, kLeft, ToWinAnsi(line.date));
      Text(regular_, kSize, kDescriptionX, Fit(ToWinAnsi(line.description), kDescriptionWidth));
      TextRight(regular_, line.credit ? kCreditRight : kDebitRight, FormatCents(line.amount_cents));
      TextRight(regular_, kBalanceRight, FormatCents(balance));
      y_ -= kLine;
    }

    if (!MakeRoom(kLine + 4)) return false;
    if (y_ < first_row_y_) {  // under rows, not right under the headings' own rule
      Rule(y_ + kLine - 4);
      y_ -= 4;
    }
    Text(bold_, kSize, kLeft, "Closing balance");
    TextRight(bold_, kBalanceRight, FormatCents(s.closing_balance_cents));
    Footers();
    return true;
  }

 private:
  bool NewPage() {
    page_ = HPDF_AddPage(doc_);
    if (page_ == nullptr) return false;
    HPDF_Page_SetSize(page_, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    pages_.push_back(page_);
    y_ = kTop;
    return true;
  }

  // Moves to a new page, under repeated column headings, when `height` does not fit.
  bool MakeRoom(HPDF_REAL height) {
    if (y_ - height >= kBottom) return true;
    if (!NewPage()) return false;
    ColumnHeadings();
    return true;
  }

  void ColumnHeadings() {
    Text(bold_, kSize, kLeft, "Date");
    Text(bold_, kSize, kDescriptionX, "Description");
    TextRight(bold_, kDebitRight, "Debit");
    TextRight(bold_, kCreditRight, "Credit");
    TextRight(bold_, kBalanceRight, "Balance");
    Rule(y_ - 4);
    y_ -= kLine + 4;
    first_row_y_ = y_;
  }

  void Detail(const std::string& label, const std::string& value) {
    Text(bold_, kSize, kLeft, label);
    Text(regular_, kSize, kValueX, value);
    y_ -= kLine;
  }

  // "Page N of M" on every page, now that M is known (libHaru keeps every page open).
  void Footers() {
    const std::string total = std::to_string(pages_.size());
    for (std::size_t i = 0; i < pages_.size(); ++i) {
      page_ = pages_[i];
      y_ = kFooterY;
      TextRight(regular_, kRight, "Page " + std::to_string(i + 1) + " of " + total, 8);
    }
  }

  // `text` is WinAnsi already.
  void Text(HPDF_Font font, HPDF_REAL size, HPDF_REAL x, const std::string& text) {
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, font, size);
    HPDF_Page_TextOut(page_, x, y_, text.c_str());
    HPDF_Page_EndText(page_);
  }

  void TextRight(HPDF_Font font, HPDF_REAL right, const std::string& text, HPDF_REAL size = kSize) {
    Text(font, size, right - Width(font, size, text), text);
  }

  void Rule(HPDF_REAL y) {
    HPDF_Page_SetLineWidth(page_, 0.5);
    HPDF_Page_MoveTo(page_, kLeft, y);
    HPDF_Page_LineTo(page_, kRight, y);
    HPDF_Page_Stroke(page_);
  }

  static HPDF_REAL Width(HPDF_Font font, HPDF_REAL size, std::string_view text) {
    const auto* bytes = reinterpret_cast<const HPDF_BYTE*>(text.data());
    // Glyph widths are in thousandths of the font size.
    return HPDF_Font_TextWidth(font, bytes, static_cast<HPDF_UINT>(text.size())).width * size /
           1000;
  }

  // `text` cut to `width` with "..." when it is wider, so it does not run into the amounts.
  std::string Fit(std::string text, HPDF_REAL width) const {
    if (Width(regular_, kSize, text) <= width) return text;
    const auto* bytes = reinterpret_cast<const HPDF_BYTE*>(text.data());
    const HPDF_UINT fits = HPDF_Font_MeasureText(
        regular_, bytes, static_cast<HPDF_UINT>(text.size()), width - Width(regular_, kSize, "..."),
        kSize, 0, 0, HPDF_FALSE, nullptr);
    text.resize(fits);
    // MeasureText counts a space that ends the run as fitting; drop it, "Coffee..." reads better.
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text + "...";
  }

  HPDF_Doc doc_;
  HPDF_Font regular_;
  HPDF_Font bold_;
  HPDF_Page page_ = nullptr;
  std::vector<HPDF_Page> pages_;
  HPDF_REAL y_ = kTop;  // baseline of the next line on page_
  HPDF_REAL first_row_y_ = kTop;
};

// libHaru's codes are listed in hex (hpdf_error.h).
Error LibHaruError(HPDF_STATUS error, HPDF_STATUS detail = 0) {
  return InternalError(
      fmt::format("libHaru error 0x{:04X} (detail {}) writing a statement", error, detail));
}

}  // namespace

Result<std::string> RenderStatementPdf(const StatementContent& statement) {
  FirstError first;  // outlives the document, whose handler writes to it
  const DocPtr doc(HPDF_New(KeepFirstError, &first));
  if (!doc) return InternalError("HPDF_New failed");
  HPDF_SetCompressionMode(doc.get(), HPDF_COMP_ALL);
  HPDF_SetInfoAttr(doc.get(), HPDF_INFO_TITLE, "Account statement");
  HPDF_SetInfoAttr(doc.get(), HPDF_INFO_CREATOR, "obauth");
  // Without the encoding name, the standard fonts would use StandardEncoding, which has no
  // accented letters.
  HPDF_Font regular = HPDF_GetFont(doc.get(), "Helvetica", "WinAnsiEncoding");
  HPDF_Font bold = HPDF_GetFont(doc.get(), "Helvetica-Bold", "WinAnsiEncoding");
  if (regular == nullptr || bold == nullptr || !Writer(doc.get(), regular, bold).Write(statement) ||
      HPDF_SaveToStream(doc.get()) != HPDF_OK || first.error != HPDF_OK) {
    return LibHaruError(first.error, first.detail);
  }

  std::string pdf;
  pdf.reserve(HPDF_GetStreamSize(doc.get()));
  std::array<HPDF_BYTE, 8192> chunk{};
  for (;;) {
    auto size = static_cast<HPDF_UINT32>(chunk.size());
    // The read that reaches the end returns HPDF_STREAM_EOF along with its last bytes.
    const HPDF_STATUS status = HPDF_ReadFromStream(doc.get(), chunk.data(), &size);
    pdf.append(reinterpret_cast<const char*>(chunk.data()), size);
    if (status == HPDF_STREAM_EOF) break;
    if (status != HPDF_OK) return LibHaruError(status);
  }
  return pdf;
}

}  // namespace obauth::fdx
