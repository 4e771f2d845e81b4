"""Problems found in GS1 data and the exception that carries them.

Every problem has a stable machine ``code`` (the content-check codes are those of the GS1
Barcode Syntax Tests, e.g. ``INCORRECT_CHECK_DIGIT``), the ``ai`` it concerns (or ``None``),
the character ``position`` and ``length`` of the offending data inside the AI value (or inside
the text given, for syntax problems) and an English and a Vietnamese message.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GS1Error", "Problem", "MESSAGES"]

# code -> (English, Vietnamese). ``{ai}`` is replaced by the AI, ``{detail}`` by extra text.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- check digits / keys -------------------------------------------------------------
    "INCORRECT_CHECK_DIGIT": (
        "Incorrect check digit",
        "Số kiểm tra không đúng",
    ),
    "TOO_SHORT_FOR_CHECK_DIGIT": (
        "Too short to carry a check digit",
        "Quá ngắn để chứa số kiểm tra",
    ),
    "INCORRECT_CHECK_PAIR": (
        "Incorrect check character pair",
        "Cặp ký tự kiểm tra không đúng",
    ),
    "TOO_SHORT_FOR_CHECK_PAIR": (
        "Too short to carry a check character pair",
        "Quá ngắn để chứa cặp ký tự kiểm tra",
    ),
    "TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION": (
        "Too long for the check character pair calculation",
        "Quá dài để tính cặp ký tự kiểm tra",
    ),
    "TOO_SHORT_FOR_GCP": (
        "Too short to start with a GS1 Company Prefix",
        "Quá ngắn để bắt đầu bằng mã doanh nghiệp GS1",
    ),
    "INVALID_GCP_PREFIX": (
        "Does not start with a valid GS1 Company Prefix",
        "Không bắt đầu bằng mã doanh nghiệp GS1 hợp lệ",
    ),
    "GCP_DATASOURCE_OFFLINE": (
        "The GS1 Company Prefix lookup service is unavailable",
        "Dịch vụ tra cứu mã doanh nghiệp GS1 không khả dụng",
    ),
    "INVALID_GTIN_LENGTH": (
        "A GTIN has 8, 12, 13 or 14 digits",
        "GTIN phải có 8, 12, 13 hoặc 14 chữ số",
    ),
    "INVALID_KEY_LENGTH": (
        "Wrong length for this GS1 key",
        "Độ dài không đúng cho mã khóa GS1 này",
    ),
    "INVALID_COMPANY_PREFIX": (
        "Invalid GS1 Company Prefix",
        "Mã doanh nghiệp GS1 không hợp lệ",
    ),
    # --- character sets ------------------------------------------------------------------
    "NON_DIGIT_CHARACTER": ("A non-digit character was found", "Có ký tự không phải chữ số"),
    "INVALID_CSET82_CHARACTER": (
        "Character not allowed (GS1 character set 82)",
        "Ký tự không được phép (bộ ký tự GS1 82)",
    ),
    "INVALID_CSET39_CHARACTER": (
        "Character not allowed (GS1 character set 39)",
        "Ký tự không được phép (bộ ký tự GS1 39)",
    ),
    "INVALID_CSET64_CHARACTER": (
        "Character not allowed (GS1 character set 64)",
        "Ký tự không được phép (bộ ký tự GS1 64)",
    ),
    "INVALID_CSET64_PADDING": ("Invalid base64 padding", "Phần đệm base64 không hợp lệ"),
    "REQUIRES_NON_DIGIT_CHARACTER": (
        "Must contain at least one non-digit character",
        "Phải có ít nhất một ký tự không phải chữ số",
    ),
    "INVALID_PERCENT_SEQUENCE": (
        "Invalid percent-encoded sequence",
        "Chuỗi mã hóa phần trăm không hợp lệ",
    ),
    # --- dates and times -----------------------------------------------------------------
    "DATE_TOO_SHORT": ("Date too short", "Ngày quá ngắn"),
    "DATE_TOO_LONG": ("Date too long", "Ngày quá dài"),
    "ILLEGAL_MONTH": ("Invalid month", "Tháng không hợp lệ"),
    "ILLEGAL_DAY": ("Invalid day of month", "Ngày trong tháng không hợp lệ"),
    "ILLEGAL_HOUR": ("Invalid hour", "Giờ không hợp lệ"),
    "ILLEGAL_MINUTE": ("Invalid minute", "Phút không hợp lệ"),
    "ILLEGAL_SECOND": ("Invalid second", "Giây không hợp lệ"),
    "HOUR_TOO_SHORT": ("Hour too short", "Giờ quá ngắn"),
    "HOUR_TOO_LONG": ("Hour too long", "Giờ quá dài"),
    "MINUTE_TOO_SHORT": ("Minute too short", "Phút quá ngắn"),
    "MINUTE_TOO_LONG": ("Minute too long", "Phút quá dài"),
    "SECOND_TOO_SHORT": ("Second too short", "Giây quá ngắn"),
    "SECOND_TOO_LONG": ("Second too long", "Giây quá dài"),
    "HOUR_WITH_MINUTE_TOO_SHORT": ("Time (HHMM) too short", "Thời gian (HHMM) quá ngắn"),
    "HOUR_WITH_MINUTE_TOO_LONG": ("Time (HHMM) too long", "Thời gian (HHMM) quá dài"),
    # --- code lists ----------------------------------------------------------------------
    "NOT_ISO3166": ("Not an ISO 3166 country code", "Không phải mã quốc gia ISO 3166"),
    "NOT_ISO3166_OR_999": (
        "Not an ISO 3166 country code or 999",
        "Không phải mã quốc gia ISO 3166 hoặc 999",
    ),
    "NOT_ISO3166_ALPHA2": (
        "Not an ISO 3166 alpha-2 country code",
        "Không phải mã quốc gia ISO 3166 alpha-2",
    ),
    "NOT_ISO4217": ("Not an ISO 4217 currency code", "Không phải mã tiền tệ ISO 4217"),
    "INVALID_BIOLOGICAL_SEX_CODE": (
        "Not an ISO 5218 biological sex code",
        "Không phải mã giới tính ISO 5218",
    ),
    "INVALID_MEDIA_TYPE": ("Not a valid AIDC media type", "Loại phương tiện AIDC không hợp lệ"),
    "INVALID_PACKAGE_TYPE": ("Not a valid package type code", "Mã loại bao bì không hợp lệ"),
    "IMPORTER_IDX_MUST_BE_ONE_CHARACTER": (
        "The importer index must be one character",
        "Chỉ số nhà nhập khẩu phải là một ký tự",
    ),
    "INVALID_IMPORT_IDX_CHARACTER": (
        "Invalid importer index character",
        "Ký tự chỉ số nhà nhập khẩu không hợp lệ",
    ),
    # --- value checks --------------------------------------------------------------------
    "NOT_ZERO": ("Must be zero", "Phải bằng không"),
    "ILLEGAL_ZERO_VALUE": ("Must not be zero", "Không được bằng không"),
    "ILLEGAL_ZERO_PREFIX": ("Must not start with zero", "Không được bắt đầu bằng số 0"),
    "NOT_ZERO_OR_ONE": ("Must be 0 or 1", "Phải là 0 hoặc 1"),
    "NOT_HYPHEN": ("Must be a hyphen (-)", "Phải là dấu gạch ngang (-)"),
    "INVALID_WINDING_DIRECTION": (
        "Invalid winding direction (0, 1 or 9)",
        "Hướng cuộn không hợp lệ (0, 1 hoặc 9)",
    ),
    "INVALID_LENGTH_FOR_PIECE_OF_TOTAL": (
        "Invalid length for piece number and total",
        "Độ dài số thứ tự bộ phận và tổng số không hợp lệ",
    ),
    "ZERO_PIECE_NUMBER": ("Piece number must not be zero", "Số thứ tự bộ phận không được bằng 0"),
    "ZERO_TOTAL_PIECES": ("Total pieces must not be zero", "Tổng số bộ phận không được bằng 0"),
    "PIECE_NUMBER_EXCEEDS_TOTAL": (
        "Piece number exceeds the total",
        "Số thứ tự bộ phận vượt quá tổng số",
    ),
    "POSITION_IN_SEQUENCE_MALFORMED": (
        "Position in sequence must be written n/m",
        "Vị trí trong chuỗi phải có dạng n/m",
    ),
    "POSITION_EXCEEDS_END": ("Position exceeds the end", "Vị trí vượt quá tổng số"),
    "LATITUDE_INVALID_LENGTH": ("Latitude must be 10 digits", "Vĩ độ phải có 10 chữ số"),
    "LONGITUDE_INVALID_LENGTH": ("Longitude must be 10 digits", "Kinh độ phải có 10 chữ số"),
    "INVALID_LATITUDE": ("Latitude out of range", "Vĩ độ nằm ngoài phạm vi"),
    "INVALID_LONGITUDE": ("Longitude out of range", "Kinh độ nằm ngoài phạm vi"),
    "IBAN_TOO_SHORT": ("IBAN too short", "IBAN quá ngắn"),
    "IBAN_TOO_LONG": ("IBAN too long", "IBAN quá dài"),
    "INVALID_IBAN_CHARACTER": ("Invalid IBAN character", "Ký tự IBAN không hợp lệ"),
    "ILLEGAL_IBAN_COUNTRY_CODE": ("Invalid IBAN country code", "Mã quốc gia IBAN không hợp lệ"),
    "INCORRECT_IBAN_CHECKSUM": ("Incorrect IBAN check digits", "Số kiểm tra IBAN không đúng"),
    # --- element string syntax -----------------------------------------------------------
    "EMPTY_DATA": ("No data", "Không có dữ liệu"),
    "UNKNOWN_AI": ("Unknown application identifier", "Mã định danh ứng dụng (AI) không xác định"),
    "AI_NOT_NUMERIC": ("An AI must be numeric", "AI phải là chữ số"),
    "AI_TOO_SHORT": ("An AI has at least 2 digits", "AI phải có ít nhất 2 chữ số"),
    "AI_TOO_LONG": ("An AI has at most 4 digits", "AI có tối đa 4 chữ số"),
    "AI_UNTERMINATED": ("Missing closing bracket after AI", "Thiếu dấu ngoặc đóng sau AI"),
    "MUST_START_WITH_AI": (
        "Data must start with a bracketed AI",
        "Dữ liệu phải bắt đầu bằng AI trong ngoặc",
    ),
    "EMPTY_VALUE": ("The AI value is empty", "Giá trị của AI bị trống"),
    "VALUE_TOO_SHORT": ("The AI value is too short", "Giá trị của AI quá ngắn"),
    "VALUE_TOO_LONG": ("The AI value is too long", "Giá trị của AI quá dài"),
    "ILLEGAL_CARET": (
        "The character ^ is not allowed in GS1 data",
        "Ký tự ^ không được phép trong dữ liệu GS1",
    ),
    "NO_FNC1_IN_FIRST_POSITION": (
        "GS1 data must start with FNC1",
        "Dữ liệu GS1 phải bắt đầu bằng FNC1",
    ),
    # --- message-level rules -------------------------------------------------------------
    "REPEATED_AI_DIFFERENT_VALUES": (
        "The AI occurs more than once with different values",
        "AI xuất hiện nhiều lần với các giá trị khác nhau",
    ),
    "INVALID_AI_PAIR": (
        "These AIs must not be used together",
        "Các AI này không được dùng cùng nhau",
    ),
    "REQUIRED_AI_MISSING": (
        "A required associated AI is missing",
        "Thiếu AI bắt buộc đi kèm",
    ),
    "DIGSIG_REQUIRES_SERIALISED_KEY": (
        "A digital signature requires a serialised key",
        "Chữ ký số yêu cầu mã khóa có số sê-ri",
    ),
    # --- scanner data --------------------------------------------------------------------
    "MISSING_SYMBOLOGY_IDENTIFIER": (
        "Missing symbology identifier",
        "Thiếu ký hiệu nhận dạng mã vạch",
    ),
    "UNKNOWN_SYMBOLOGY_IDENTIFIER": (
        "Unknown symbology identifier",
        "Ký hiệu nhận dạng mã vạch không xác định",
    ),
    "INVALID_PRIMARY_DATA": (
        "Invalid data for this barcode type",
        "Dữ liệu không hợp lệ cho loại mã vạch này",
    ),
    # --- Digital Link --------------------------------------------------------------------
    "DL_INVALID_SCHEME": (
        "A GS1 Digital Link URI starts with http:// or https://",
        "URI GS1 Digital Link phải bắt đầu bằng http:// hoặc https://",
    ),
    "DL_INVALID_DOMAIN": ("Missing or invalid domain name", "Tên miền bị thiếu hoặc không hợp lệ"),
    "DL_ILLEGAL_CHARACTER": (
        "Character not allowed in a URI",
        "Ký tự không được phép trong URI",
    ),
    "DL_NO_PRIMARY_KEY": (
        "No GS1 primary key found in the URI path",
        "Không tìm thấy mã khóa chính GS1 trong đường dẫn URI",
    ),
    "DL_TRAILING_SLASH": (
        "The URI path must not end with /",
        "Đường dẫn URI không được kết thúc bằng /",
    ),
    "DL_INVALID_PATH_SEQUENCE": (
        "Invalid key qualifier in the URI path",
        "Thành phần định danh bổ sung trong đường dẫn URI không hợp lệ",
    ),
    "DL_QUALIFIER_IN_QUERY": (
        "This AI belongs in the URI path, not in the query string",
        "AI này phải nằm trong đường dẫn URI, không phải trong chuỗi truy vấn",
    ),
    "DL_NOT_DATA_ATTRIBUTE": (
        "This AI is not allowed as a Digital Link data attribute",
        "AI này không được dùng làm thuộc tính dữ liệu Digital Link",
    ),
    "DL_DUPLICATE_AI": (
        "The AI occurs more than once in the URI",
        "AI xuất hiện nhiều lần trong URI",
    ),
    "DL_NUL_CHARACTER": ("Percent-encoded NUL (%00) is not allowed", "Không được dùng %00"),
    "DL_COMPRESSED_INVALID": (
        "Invalid compressed GS1 Digital Link",
        "GS1 Digital Link dạng nén không hợp lệ",
    ),
    "DL_CONVENIENCE_ALPHA": (
        "Convenience alphas (/gtin/, /lot/ ...) are not permitted",
        "Không cho phép tên viết tắt (/gtin/, /lot/ ...)",
    ),
    "DL_ZERO_SUPPRESSED_GTIN": (
        "A GTIN in a Digital Link URI must have 14 digits",
        "GTIN trong URI Digital Link phải có 14 chữ số",
    ),
    # --- EPC -----------------------------------------------------------------------------
    "EPC_INVALID_URN": ("Invalid EPC URI", "URI EPC không hợp lệ"),
    "EPC_UNSUPPORTED_SCHEME": ("Unsupported EPC scheme", "Lược đồ EPC không được hỗ trợ"),
    # --- generic -------------------------------------------------------------------------
    "UNRECOGNISED_INPUT": (
        "Not a recognised GS1 code",
        "Không nhận dạng được mã GS1",
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in GS1 data."""

    code: str
    ai: str | None = None
    position: int | None = None
    length: int = 0
    detail: str = ""

    @property
    def message(self) -> str:
        """English message."""
        return _render(self, 0)

    @property
    def message_vi(self) -> str:
        """Vietnamese message."""
        return _render(self, 1)

    def markup(self, value: str) -> str:
        """``value`` with the offending span between asterisks (GS1 Syntax Tests style)."""
        if self.position is None:
            return value
        end = self.position + self.length
        return f"{value[: self.position]}*{value[self.position : end]}*{value[end:]}"


def _render(problem: Problem, lang: int) -> str:
    pair = MESSAGES.get(problem.code)
    text = pair[lang] if pair else problem.code
    if problem.ai is not None:
        key = "GTIN" if problem.ai == "01" else f"AI ({problem.ai})"
        if lang == 0:
            text = f"{key}: {text}"
        else:
            text = f"{text} ({key})" if problem.ai != "01" else _vi_gtin(text)
    if problem.position is not None:
        text += (
            f" at position {problem.position + 1}"
            if lang == 0
            else f" tại vị trí {problem.position + 1}"
        )
    if problem.detail:
        text += f" [{problem.detail}]"
    return text


def _vi_gtin(text: str) -> str:
    # "Số kiểm tra không đúng" -> "Số kiểm tra của GTIN không đúng"
    if text.startswith("Số kiểm tra "):
        return "Số kiểm tra của GTIN " + text[len("Số kiểm tra ") :]
    return f"{text} (GTIN)"


class GS1Error(ValueError):
    """Invalid GS1 data. ``problems`` lists every problem found (at least one)."""

    def __init__(self, problems: Problem | list[Problem] | tuple[Problem, ...]):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            self.problems = (Problem("UNRECOGNISED_INPUT"),)
        super().__init__(self.message)

    @classmethod
    def of(cls, code: str, ai: str | None = None, position: int | None = None,
           length: int = 0, detail: str = "") -> GS1Error:
        return cls(Problem(code, ai, position, length, detail))

    @property
    def first(self) -> Problem:
        return self.problems[0]

    @property
    def code(self) -> str:
        return self.first.code

    @property
    def ai(self) -> str | None:
        return self.first.ai

    @property
    def position(self) -> int | None:
        return self.first.position

    @property
    def length(self) -> int:
        return self.first.length

    @property
    def message(self) -> str:
        return "; ".join(p.message for p in self.problems)

    @property
    def message_vi(self) -> str:
        return "; ".join(p.message_vi for p in self.problems)

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]
