"""Interface strings of the staff console, Vietnamese first, English second.

Each console module registers its own strings with :func:`register` when it is imported; a key may be
registered once only, so two pages cannot silently disagree about a label. Templates call ``t(key)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LANGS = ("vi", "en")

_CATALOG: dict[str, tuple[str, str]] = {}


def register(strings: dict[str, tuple[str, str]]) -> None:
    for key, pair in strings.items():
        if key in _CATALOG and _CATALOG[key] != pair:
            raise ValueError(f"console string {key!r} is registered twice with different texts")
        if len(pair) != 2 or not all(pair):
            raise ValueError(f"console string {key!r} needs a Vietnamese and an English text")
        _CATALOG[key] = pair


def has(key: str) -> bool:
    return key in _CATALOG


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the text in ``lang`` with ``{name}`` fields filled in (KeyError if unknown)."""
    idx = 1 if lang == "en" else 0

    def t(key: str, **values: Any) -> str:
        text = _CATALOG[key][idx]
        return text.format(**values) if values else text

    return t


register(
    {
        "brand": ("SIPAS · Trang quản trị", "SIPAS · Staff console"),
        "skip": ("Chuyển đến nội dung chính", "Skip to main content"),
        "nav_label": ("Điều hướng chính", "Main navigation"),
        "nav_home": ("Tổng quan", "Overview"),
        "nav_results": ("Kết quả", "Results"),
        "nav_agencies": ("Cơ quan và điểm phục vụ", "Agencies and service points"),
        "nav_kiosks": ("Thiết bị kiosk", "Kiosk devices"),
        "nav_waves": ("Đợt khảo sát", "Survey waves"),
        "nav_fieldwork": ("Khung mẫu và mẫu", "Frames and samples"),
        "nav_users": ("Người dùng", "Users"),
        "nav_audit": ("Nhật ký hoạt động", "Audit log"),
        "nav_phone": ("Phỏng vấn qua điện thoại", "Phone interviews"),
        "nav_password": ("Đổi mật khẩu", "Change password"),
        "signed_in_as": ("Đang đăng nhập: {email}", "Signed in as {email}"),
        "logout": ("Đăng xuất", "Sign out"),
        "switch_lang": ("English", "Tiếng Việt"),
        "switch_lang_label": ("Switch to English", "Chuyển sang tiếng Việt"),
        "role_admin": ("Quản trị viên", "Administrator"),
        "role_statistician": ("Thống kê viên", "Statistician"),
        "role_agency": ("Cán bộ cơ quan", "Agency officer"),
        "role_interviewer": ("Điều tra viên", "Interviewer"),
        "error_title": ("Có lỗi cần sửa", "There is a problem"),
        "error_prefix": ("Lỗi:", "Error:"),
        "save": ("Lưu", "Save"),
        "cancel": ("Hủy", "Cancel"),
        "search": ("Tìm kiếm", "Search"),
        "filter": ("Lọc", "Filter"),
        "actions": ("Thao tác", "Actions"),
        "yes": ("Có", "Yes"),
        "no": ("Không", "No"),
        "none": ("Không có", "None"),
        "all": ("Tất cả", "All"),
        "previous_page": ("Trang trước", "Previous page"),
        "next_page": ("Trang sau", "Next page"),
        "page_of": ("Trang {n}/{pages} · {total} mục", "Page {n} of {pages} · {total} items"),
        "download": ("Tải xuống", "Download"),
        "back": ("Quay lại", "Back"),
        "forbidden_title": ("Không có quyền truy cập", "Access denied"),
        "forbidden_body": (
            "Tài khoản của Ông/Bà không có quyền xem hoặc thực hiện nội dung này.",
            "Your account may not see or do this.",
        ),
        "not_found_title": ("Không tìm thấy", "Not found"),
        "not_found_body": (
            "Nội dung này không tồn tại hoặc Ông/Bà không có quyền xem.",
            "This does not exist, or your account may not see it.",
        ),
        "stale_form_title": ("Biểu mẫu đã hết hạn", "The form has expired"),
        "stale_form_body": (
            "Biểu mẫu này đã cũ hoặc không được gửi từ trang quản trị. Vui lòng mở lại trang và thử lại.",
            "This form is out of date or was not sent from the console. Open the page again and retry.",
        ),
        "bad_request_title": ("Yêu cầu không hợp lệ", "Bad request"),
        "bad_request_body": (
            "Địa chỉ hoặc dữ liệu gửi lên không hợp lệ. Vui lòng quay lại trang trước và thử lại.",
            "The address or the data sent is not valid. Please go back and try again.",
        ),
        "too_large_title": ("Dữ liệu gửi lên quá lớn", "Too much data"),
        "too_large_body": (
            "Tệp hoặc biểu mẫu gửi lên vượt quá giới hạn. Với tệp lớn, hãy dùng dòng lệnh sipas.",
            "The file or form is over the size limit. For large files, use the sipas command line.",
        ),
        "conflict_title": ("Không thực hiện được", "This could not be done"),
        "go_home": ("Về trang tổng quan", "Go to the overview"),
        "ts_format_note": ("Giờ Việt Nam (UTC+7)", "Vietnam time (UTC+7)"),
    }
)
