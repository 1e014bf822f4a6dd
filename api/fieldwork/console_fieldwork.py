"""Console pages for frames and samples: import a frame, plan with expected margins, draw, weights, letters.

Only admin and statistician (the JSON API's ``ANALYSTS``) reach these pages; everyone else gets the 403
page. Every step calls the services behind ``api/fieldwork/routes_fieldwork.py`` (``FRAMES``, ``FIELDWORK``,
``WEIGHTS``): the frame import is all-or-nothing with its per-row report, the plan is previewed (expected
margins per agency) before the seeded draw, and the draw happens once per wave (the service refuses a
second one; the same seed on the same frame reproduces the same sample).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

import anyio.to_thread
import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.administration.console_waves import agency_names, period_text, progress_view, status_badge
from api.fieldwork.routes_fieldwork import FIELDWORK, FRAMES, WEIGHTS, DrawIn, PlanIn, WeightsIn, _plan_values
from api.web.console_base import ROOT, Staff, page, posted, vn_time
from api.web.console_i18n import has, register
from api.web.pages_common import PAGE_HEADERS
from reports.letters import LetterData, render_letters
from sampling.sample_plan import ALLOCATIONS, SELECTION_METHODS
from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound
from survey_engine.fieldwork.phone import PhoneService
from survey_engine.fieldwork.samples import SampleSummary
from survey_engine.fieldwork.weights import CALIBRATION_METHODS, FRAME_VARIABLES, WaveWeights

ANALYSTS = ("admin", "statistician")  # the API's guard on every fieldwork write
PHONES = PhoneService()
MAX_SEED = 2**62
_ROW = re.compile(r"^rows\[(\d+)\](?:\.(\w+))?$")
_LINE = re.compile(r"^line \d+(?::\s*|\s)")  # the English message's own line prefix

register(
    {
        "fw_title": ("Khung mẫu và mẫu", "Frames and samples"),
        "fw_intro": (
            "Nhập danh sách hồ sơ đã giải quyết (khung mẫu), lập kế hoạch với sai số dự kiến, rút mẫu có "
            "hạt giống để tái lập được, theo dõi tiến độ và tính trọng số.",
            "Import the list of completed dossiers (the frame), plan with expected margins, draw a seeded "
            "and reproducible sample, follow fieldwork and compute weights.",
        ),
        "fw_wave": ("Đợt khảo sát", "Wave"),
        "fw_frame_units": ("Hồ sơ trong khung mẫu", "Dossiers in the frame"),
        "fw_sample": ("Mẫu", "Sample"),
        "fw_not_drawn": ("Chưa rút", "Not drawn"),
        "fw_open": ("Mở", "Open"),
        "fw_no_waves": ("Chưa có đợt khảo sát nào.", "There is no wave yet."),
        "fw_steps": ("Các bước", "Steps"),
        "fw_step_frame": ("1. Khung mẫu", "1. Frame"),
        "fw_step_plan": ("2. Kế hoạch", "2. Plan"),
        "fw_step_draw": ("3. Rút mẫu", "3. Draw"),
        "fw_step_fieldwork": ("4. Thực địa", "4. Fieldwork"),
        "fw_step_weights": ("5. Trọng số", "5. Weights"),
        "fw_wave_page": ("Trang đợt khảo sát", "Wave page"),
        # frame
        "fw_frame": ("Khung mẫu", "Frame"),
        "fw_frame_none": ("Đợt này chưa có khung mẫu.", "This wave has no frame yet."),
        "fw_imports": ("Các lần nhập", "Imports"),
        "fw_import_name": ("Tên lần nhập", "Import name"),
        "fw_imported_at": ("Thời điểm nhập", "Imported at"),
        "fw_rows": ("Số dòng", "Rows"),
        "fw_units_by_agency": ("Số hồ sơ theo cơ quan và lĩnh vực", "Dossiers by agency and field"),
        "fw_field": ("Lĩnh vực", "Field"),
        "fw_units": ("Hồ sơ", "Dossiers"),
        "fw_agency": ("Cơ quan", "Agency"),
        "fw_import": ("Nhập khung mẫu", "Import a frame"),
        "fw_import_file": ("Tệp khung mẫu (CSV UTF-8 hoặc XLSX)", "Frame file (CSV UTF-8 or XLSX)"),
        "fw_import_hint": (
            "Các cột bắt buộc: dossier_code, agency, field, completed_on; không bắt buộc: phone, sex, "
            "age_band, ethnicity, education, occupation, area. Tối đa 1 MB; tệp lớn hơn dùng lệnh "
            "“sipas frame import”. Chỉ lưu khi mọi dòng đều hợp lệ.",
            "Required columns: dossier_code, agency, field, completed_on; optional: phone, sex, age_band, "
            "ethnicity, education, occupation, area. At most 1 MB; larger files go through “sipas frame "
            "import”. Nothing is stored unless every row is valid.",
        ),
        "fw_default_name": ("Khung mẫu nhập lúc {time}", "Frame imported at {time}"),
        "fw_import_name_hint": ("Không bắt buộc, ví dụ “Tháng 3”.", "Optional, e.g. “March”."),
        "fw_import_button": ("Kiểm tra và nhập", "Check and import"),
        "fw_import_locked": (
            "Khung mẫu không thay đổi được nữa vì mẫu đã được rút hoặc đợt đã đóng.",
            "The frame can no longer change: the sample is drawn or the wave is closed.",
        ),
        "fw_err_file": ("Chọn một tệp CSV hoặc XLSX.", "Choose a CSV or XLSX file."),
        "fw_err_too_big": (
            "Tệp lớn hơn 1 MB. Hãy nhập bằng lệnh “sipas frame import --wave MÃ_ĐỢT TỆP” (không giới hạn "
            "dung lượng, cùng cách kiểm tra).",
            "The file is larger than 1 MB. Import it with “sipas frame import --wave CODE FILE” (no size "
            "limit, the same checks).",
        ),
        "fw_err_too_big_letters": (
            "Tệp lớn hơn 1 MB. Hãy tạo thư mời bằng lệnh “sipas frame letters”.",
            "The file is larger than 1 MB. Make the letters with “sipas frame letters”.",
        ),
        "fw_report_title": (
            "Tệp chưa được nhập: có {n} lỗi. Không có dòng nào được lưu.",
            "The file was not imported: {n} problems. No row was stored.",
        ),
        "fw_report_more": (
            "Chỉ liệt kê {shown} lỗi đầu tiên trong tổng số {total}.",
            "Only the first {shown} of {total} problems are listed.",
        ),
        "fw_report_line": ("Dòng", "Line"),
        "fw_report_column": ("Cột", "Column"),
        "fw_report_problem": ("Vấn đề", "Problem"),
        "fw_report_hint": (
            "Số dòng là số dòng mà Excel hiển thị (dòng 1 là dòng tiêu đề). Sửa tệp rồi nhập lại.",
            "Line numbers are those a spreadsheet shows (line 1 is the header). Fix the file and import it "
            "again.",
        ),
        "done_fw_imported": ("Đã nhập khung mẫu.", "The frame was imported."),
        # plan
        "fw_plan": ("Kế hoạch chọn mẫu", "Sample plan"),
        "fw_plan_intro": (
            "Xem trước phân bổ và sai số dự kiến (độ tin cậy 95 %) của từng cơ quan trước khi rút mẫu. "
            "Xem trước không lưu gì.",
            "Preview the allocation and each agency's expected 95 % margin before drawing. A preview "
            "stores nothing.",
        ),
        "fw_plan_need_frame": ("Cần nhập khung mẫu trước.", "Import a frame first."),
        "fw_strata": ("Phân tầng", "Strata"),
        "fw_strata_agency": ("Theo cơ quan", "By agency"),
        "fw_strata_agency_field": ("Theo cơ quan × lĩnh vực", "By agency × field"),
        "fw_target": ("Xác định cỡ mẫu theo", "Size the sample by"),
        "fw_target_n": ("Tổng số đơn vị cần rút", "Total units to draw"),
        "fw_target_margin": ("Sai số mong muốn cho mỗi cơ quan", "Wanted margin per agency"),
        "fw_n": ("Cỡ mẫu (số hồ sơ rút)", "Sample size (dossiers drawn)"),
        "fw_margin": ("Sai số tối đa (± điểm phần trăm)", "Margin (± percentage points)"),
        "fw_margin_hint": ("Ví dụ 5 nghĩa là ±5 điểm %.", "For example 5 means ±5 points."),
        "fw_allocation": ("Cách phân bổ", "Allocation"),
        "fw_alloc_proportional": ("Tỷ lệ theo quy mô", "Proportional"),
        "fw_alloc_equal": ("Bằng nhau", "Equal"),
        "fw_alloc_neyman": ("Neyman (tối ưu)", "Neyman (optimal)"),
        "fw_alloc_power": ("Lũy thừa N^q", "Power N^q"),
        "fw_power_q": ("Số mũ q (phân bổ lũy thừa)", "Exponent q (power allocation)"),
        "fw_min": ("Tối thiểu mỗi tầng", "Minimum per stratum"),
        "fw_max": ("Tối đa mỗi tầng", "Maximum per stratum"),
        "fw_response_rate": ("Tỷ lệ trả lời dự kiến (%)", "Expected response rate (%)"),
        "fw_deff": ("Hệ số thiết kế (deff)", "Design effect (deff)"),
        "fw_p": ("Tỷ lệ dự kiến p (%)", "Expected proportion p (%)"),
        "fw_p_hint": ("50 % cho sai số lớn nhất (an toàn).", "50 % gives the largest (safest) margin."),
        "fw_method": ("Cách chọn trong tầng", "Selection within strata"),
        "fw_method_srs": ("Ngẫu nhiên đơn giản", "Simple random"),
        "fw_method_systematic": ("Hệ thống", "Systematic"),
        "fw_optional": ("không bắt buộc", "optional"),
        "fw_preview": ("Xem trước", "Preview"),
        "fw_save_plan": ("Lưu kế hoạch vào đợt", "Save the plan with the wave"),
        "done_fw_plan_saved": ("Đã lưu kế hoạch chọn mẫu.", "The sample plan was saved."),
        "fw_preview_title": ("Xem trước: sai số dự kiến theo cơ quan", "Preview: expected margin by agency"),
        "fw_total_n": ("Tổng cỡ mẫu", "Total sample"),
        "fw_expected_completes": ("Số phiếu hoàn thành dự kiến", "Expected completes"),
        "fw_population": ("Số hồ sơ (N)", "Dossiers (N)"),
        "fw_expected_margin": ("Sai số dự kiến (95 %)", "Expected margin (95 %)"),
        "fw_margin_value": ("±{m} điểm %", "±{m} points"),
        "fw_fraction": ("Tỷ lệ chọn", "Sampling fraction"),
        "fw_stratum": ("Tầng", "Stratum"),
        "fw_by_stratum": ("Phân bổ theo tầng", "Allocation by stratum"),
        "fw_margin_note": (
            "Sai số cho một tỷ lệ p với hiệu chỉnh quần thể hữu hạn, tính trên số phiếu hoàn thành dự kiến.",
            "Margin of a proportion p with the finite population correction, on the expected completes.",
        ),
        # draw
        "fw_draw": ("Rút mẫu", "Draw the sample"),
        "fw_seed": ("Hạt giống ngẫu nhiên", "Random seed"),
        "fw_seed_hint": (
            "Ghi lại số này: cùng hạt giống trên cùng khung mẫu luôn cho đúng mẫu đó.",
            "Write this number down: the same seed on the same frame always gives the same sample.",
        ),
        "fw_contacts": (
            "Tạo danh sách liên hệ điện thoại cho hồ sơ được chọn có số điện thoại",
            "Create phone contacts for drawn dossiers that have a phone number",
        ),
        "fw_draw_button": ("Rút mẫu với kế hoạch này", "Draw with this plan"),
        "fw_draw_confirm": (
            "Rút mẫu? Mỗi đợt chỉ rút mẫu một lần; sau đó khung mẫu không thay đổi được nữa.",
            "Draw the sample? A wave is drawn once; the frame can no longer change afterwards.",
        ),
        "fw_draw_once": (
            "Mỗi đợt chỉ rút mẫu một lần. Sau khi rút, khung mẫu bị khóa.",
            "A wave's sample is drawn once. The frame is locked afterwards.",
        ),
        "done_fw_drawn": ("Đã rút mẫu.", "The sample was drawn."),
        "fw_already_drawn": (
            "Mẫu của đợt này đã được rút (hạt giống {seed}) và không thể rút lại. Rút lại với cùng hạt giống "
            "trên cùng khung mẫu sẽ cho đúng mẫu đã có.",
            "This wave's sample is already drawn (seed {seed}) and cannot be drawn again. Drawing again with "
            "the same seed on the same frame would give the same sample.",
        ),
        "fw_closed": ("Đợt đã đóng: không rút mẫu được nữa.", "The wave is closed: no draw is possible."),
        "fw_err_seed": (
            "Nhập một số nguyên không âm (tối đa 19 chữ số).",
            "Enter a non-negative whole number (up to 19 digits).",
        ),
        "fw_err_int": ("Nhập một số nguyên dương.", "Enter a positive whole number."),
        "fw_err_int0": ("Nhập một số nguyên không âm.", "Enter a non-negative whole number."),
        "fw_err_percent": ("Nhập một số lớn hơn 0 và nhỏ hơn 100.", "Enter a number above 0 and below 100."),
        "fw_err_rate": ("Nhập một số lớn hơn 0 và tối đa 100.", "Enter a number above 0, at most 100."),
        "fw_err_deff": ("Nhập một số từ 1 đến 100.", "Enter a number from 1 to 100."),
        "fw_err_q": ("Nhập một số từ 0 đến 1.", "Enter a number from 0 to 1."),
        "fw_err_choice": ("Chọn một giá trị trong danh sách.", "Choose one of the values listed."),
        "fw_err_minmax": ("Mức tối đa nhỏ hơn mức tối thiểu.", "The maximum is below the minimum."),
        "fw_err_allocate": (
            "Không phân bổ được cỡ mẫu này vào các tầng (cỡ mẫu lớn hơn số hồ sơ, hoặc mức tối thiểu/tối "
            "đa mỗi tầng không khớp).",
            "This sample cannot be allocated over the strata (more than the frame has, or the minimum and "
            "maximum per stratum do not fit).",
        ),
        "fw_err_margin": (
            "Không tính được cỡ mẫu cho sai số này.",
            "No sample size can be worked out for this margin.",
        ),
        # sample
        "fw_sample_title": ("Mẫu đã rút", "Drawn sample"),
        "fw_drawn_at": ("Thời điểm rút", "Drawn at"),
        "fw_frame_rows": ("Số hồ sơ trong khung khi rút", "Frame dossiers at the draw"),
        "fw_strata_vars": ("Biến phân tầng", "Strata variables"),
        "fw_phone_contacts": ("Liên hệ điện thoại", "Phone contacts"),
        "fw_contacts_by_status": ("{total} liên hệ: {detail}", "{total} contacts: {detail}"),
        "fw_downloads": ("Tải xuống và danh sách", "Downloads and lists"),
        "fw_contact_list": ("Danh sách liên hệ cần gọi", "Call list"),
        "fw_letters": ("Thư mời (PDF)", "Invitation letters (PDF)"),
        "fw_letters_hint": (
            "Cơ sở dữ liệu chỉ giữ mã băm của mã hồ sơ, nên cần chọn lại tệp khung mẫu đã nhập. Mỗi hồ sơ "
            "được chọn có một trang A4 với mã QR riêng.",
            "The database keeps only hashes of dossier codes, so choose the imported frame file again. "
            "Each drawn dossier gets one A4 page with its own QR code.",
        ),
        "fw_letters_point": ("Điểm phục vụ mà mã QR mở", "Service point the QR code opens"),
        "fw_letters_point_default": (
            "Mặc định: điểm phục vụ đầu tiên của cơ quan",
            "Default: the agency's first service point",
        ),
        "fw_letters_button": ("Tạo thư mời", "Make the letters"),
        "fw_letters_none": (
            "Không hồ sơ nào được chọn vào mẫu có trong tệp này.",
            "None of the drawn dossiers is in this file.",
        ),
        "fw_letters_problem": ("Không tạo được thư mời: {detail}", "No letters were made: {detail}"),
        "fw_letters_no_point": (
            "cơ quan {agency} không có điểm phục vụ đang hoạt động trong đợt",
            "agency {agency} has no active service point in the wave",
        ),
        "fw_export": ("Ước lượng theo mẫu xác suất (CSV)", "Probability-sample estimates (CSV)"),
        # weights
        "fw_weights": ("Trọng số", "Weights"),
        "fw_weights_intro": (
            "Tính trọng số từ thiết kế mẫu và kết quả thực địa: trọng số gốc 1/π, hiệu chỉnh không trả lời "
            "theo lớp, hiệu chỉnh theo tổng của khung mẫu, và cắt trọng số nếu cần.",
            "Weights from the design and fieldwork: base weight 1/π, nonresponse adjustment by class, "
            "calibration to frame totals, and optional trimming.",
        ),
        "fw_weights_need_sample": ("Cần rút mẫu trước.", "Draw the sample first."),
        "fw_nr_classes": ("Lớp hiệu chỉnh không trả lời", "Nonresponse classes"),
        "fw_calibration": ("Hiệu chỉnh theo khung mẫu", "Calibration to the frame"),
        "fw_cal_poststratify": ("Hậu phân tầng", "Post-stratification"),
        "fw_cal_rake": ("Raking (lặp theo biên)", "Raking (iterative margins)"),
        "fw_cal_none": ("Không hiệu chỉnh", "None"),
        "fw_cal_vars": ("Biến hiệu chỉnh", "Calibration variables"),
        "fw_vars_default": (
            "Để trống để dùng mặc định (các tầng của mẫu).",
            "Leave all unticked for the default (the sample's strata).",
        ),
        "fw_var_agency": ("Cơ quan", "Agency"),
        "fw_var_field": ("Lĩnh vực", "Field"),
        "fw_var_stratum": ("Tầng", "Stratum"),
        "fw_var_sex": ("Giới tính", "Sex"),
        "fw_var_age_band": ("Nhóm tuổi", "Age band"),
        "fw_var_ethnicity": ("Dân tộc", "Ethnicity"),
        "fw_var_education": ("Học vấn", "Education"),
        "fw_var_occupation": ("Nghề nghiệp", "Occupation"),
        "fw_var_area": ("Khu vực", "Area"),
        "fw_trim": ("Cắt trọng số: trần = hệ số × trung bình", "Trimming: cap = ratio × mean"),
        "fw_trim_hint": ("Lớn hơn 1, ví dụ 3,5. Để trống nếu không cắt.", "Above 1, e.g. 3.5. Empty: none."),
        "fw_partials": (
            "Tính cả phiếu dở dang là đã trả lời",
            "Count partial interviews as respondents",
        ),
        "fw_weights_button": ("Tính trọng số", "Compute the weights"),
        "done_fw_weights": ("Đã tính và lưu trọng số.", "The weights were computed and stored."),
        "fw_weights_last": ("Lần tính gần nhất: {time} ({trigger})", "Last computed: {time} ({trigger})"),
        "fw_trigger_request": ("theo yêu cầu", "on request"),
        "fw_trigger_close": ("khi đóng đợt", "when the wave closed"),
        "fw_weights_none": ("Chưa tính trọng số.", "The weights were never computed."),
        "fw_weights_error": ("Lần tính này không thành công: {detail}", "This run failed: {detail}"),
        "fw_err_no_respondents": (
            "Chưa có hồ sơ nào trong mẫu trả lời: chưa tính được trọng số.",
            "No drawn dossier has responded yet: nothing to weight.",
        ),
        "fw_err_calibration": (
            "Không hiệu chỉnh được trọng số với các biến đã chọn.",
            "The weights cannot be calibrated with these variables.",
        ),
        "fw_err_trim": ("Nhập một số lớn hơn 1.", "Enter a number above 1."),
        "fw_err_vars": ("Chọn các biến khác nhau trong danh sách.", "Choose distinct variables listed."),
        "fw_diag_respondents": ("Số người trả lời được tính trọng số", "Weighted respondents"),
        "fw_diag_respondents_short": ("Người trả lời", "Respondents"),
        "fw_diag_deff_w_short": ("Hiệu ứng trọng số", "Weighting effect"),
        "fw_diag_total": ("Tổng trọng số", "Sum of weights"),
        "fw_diag_frame": ("Số hồ sơ trong khung", "Frame dossiers"),
        "fw_diag_deff_w": ("Hiệu ứng trọng số (1 + CV²)", "Weighting effect (1 + CV²)"),
        "fw_diag_effective_n": ("Cỡ mẫu hiệu dụng", "Effective sample size"),
        "fw_diag_min": ("Trọng số nhỏ nhất", "Smallest weight"),
        "fw_diag_max": ("Trọng số lớn nhất", "Largest weight"),
        "fw_diag_mean": ("Trọng số trung bình", "Mean weight"),
        "fw_diag_cv": ("Hệ số biến thiên (CV)", "Coefficient of variation"),
        "fw_diag_converged": ("Hội tụ", "Converged"),
        "fw_diag_iterations": ("Số vòng lặp", "Iterations"),
        "fw_diag_margin_error": ("Sai lệch biên lớn nhất", "Largest margin error"),
        "fw_diag_factors": ("Hệ số hiệu chỉnh (nhỏ nhất – lớn nhất)", "Calibration factors (min – max)"),
        "fw_diag_cal_effect": (
            "Hiệu ứng trọng số trước → sau hiệu chỉnh",
            "Weighting effect before → after calibration",
        ),
        "fw_diag_trimmed": ("Số trọng số bị cắt", "Weights trimmed"),
        "fw_diag_ignored": ("Ô không có người trả lời (bỏ qua)", "Cells without respondents (left out)"),
        "fw_diag_excluded": ("Cơ quan không có người trả lời", "Agencies without respondents"),
        "fw_diag_collapsed": ("Lớp đã gộp vào lớp cơ quan", "Classes merged into their agency's"),
        "fw_diag_nr_rate": ("Tỷ lệ trả lời (có trọng số)", "Response rate (weighted)"),
        "fw_diag_agencies": ("Theo cơ quan", "By agency"),
        "fw_diag_sum_weights": ("Tổng trọng số", "Sum of weights"),
        # problems of a frame file or a plan, by the reason survey_engine gives (FieldProblem.reason)
        "fw_problem_frame_utf16": (
            "Tệp được lưu dạng UTF-16: hãy lưu lại dưới dạng CSV UTF-8.",
            "The file is UTF-16: save it as CSV UTF-8",
        ),
        "fw_problem_frame_not_utf8": (
            "Dòng này không phải UTF-8 (có thể là Windows-1258 hoặc bảng mã cũ): hãy lưu tệp dưới dạng "
            "CSV UTF-8.",
            "Is not UTF-8 (Windows-1258 or another legacy encoding?): save the file as CSV UTF-8",
        ),
        "fw_problem_frame_not_xlsx": ("Không đọc được tệp XLSX.", "Not a readable XLSX workbook ({error})"),
        "fw_problem_frame_no_worksheet": (
            "Tệp XLSX không có trang tính nào.",
            "The workbook has no worksheet",
        ),
        "fw_problem_frame_empty": (
            "Tệp trống: cần có dòng tiêu đề.",
            "The file is empty: expected a header line",
        ),
        "fw_problem_frame_not_csv": (
            "Không phải tệp CSV hợp lệ (dấu ngoặc kép chưa đóng?).",
            "Not CSV: {detail}",
        ),
        "fw_problem_frame_missing_column": ("Thiếu cột {column}.", "Missing column {column}"),
        "fw_problem_frame_unknown_column": (
            "Cột không được phép: {column}.",
            "Unknown column '{column}' (allowed: {allowed})",
        ),
        "fw_problem_frame_repeated_column": (
            "Cột {column} xuất hiện hai lần.",
            "Column {column} appears twice",
        ),
        "fw_problem_frame_field_count": (
            "Dòng có {fields} ô, trong khi dòng tiêu đề có {columns} cột.",
            "Has {fields} fields, the header has {columns}",
        ),
        "fw_problem_frame_dossier_code": (
            "Mã hồ sơ chỉ gồm 1–{max} chữ cái, chữ số và . _ / - (bắt đầu bằng chữ cái hoặc chữ số).",
            "A dossier code has 1–{max} letters, digits and . _ / - (starting with a letter or digit)",
        ),
        "fw_problem_frame_repeated_dossier": (
            "Trùng mã hồ sơ với một dòng trước trong tệp.",
            "Repeats rows[{row}]",
        ),
        "fw_problem_frame_already_framed": (
            "Hồ sơ này đã có trong khung mẫu của đợt {wave}.",
            "Already in the frame of wave {wave}",
        ),
        "fw_problem_frame_agency": (
            "Cần mã cơ quan (1–32 ký tự).",
            "An agency code (1–32 characters) is required",
        ),
        "fw_problem_frame_agency_not_in_wave": (
            "Cơ quan {agency} không tham gia đợt này.",
            "Agency {agency} is not in this wave",
        ),
        "fw_problem_frame_unknown_agency": (
            "Không có cơ quan mã {agency}.",
            "Agency {agency} does not exist",
        ),
        "fw_problem_frame_field": (
            "Cần lĩnh vực dài 1–200 ký tự, không chứa dấu |.",
            "A field (lĩnh vực) of 1–200 characters without '|' is required",
        ),
        "fw_problem_frame_date": (
            "Ngày không hợp lệ: ghi theo dạng 2026-03-31 hoặc 31/03/2026.",
            "A date as 2026-03-31 or 31/03/2026",
        ),
        "fw_problem_frame_future": ("Ngày hoàn thành nằm trong tương lai.", "Is in the future"),
        "fw_problem_frame_phone": (
            "Số điện thoại không hợp lệ (9–10 chữ số sau +84 hoặc 0).",
            "Not a Vietnamese phone number (9–10 digits after +84 or 0)",
        ),
        "fw_problem_frame_too_long": ("Tối đa {max} ký tự.", "At most {max} characters"),
        "fw_problem_frame_no_rows": (
            "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.",
            "The file has a header but no rows",
        ),
        "fw_problem_plan_margin": ("Không tính được cỡ mẫu cho sai số này.", "{detail}"),
        "fw_problem_plan_allocation": (
            "Không phân bổ được cỡ mẫu này vào các tầng (cỡ mẫu lớn hơn số hồ sơ, hoặc mức tối thiểu/tối "
            "đa mỗi tầng không khớp).",
            "{detail}",
        ),
    }
)


# -- helpers ------------------------------------------------------------------------------------------


def _url(code: str, tail: str = "") -> str:
    return f"{ROOT}/fieldwork/{quote(code)}{tail}"


def _done(code: str, done: str, anchor: str) -> Redirect:
    """Post/Redirect/Get back to the wave's page, its flash message, and the section just changed."""
    return Redirect(
        f"{_url(code)}?{urlencode({'done': done})}#{anchor}", status_code=303, headers=PAGE_HEADERS
    )


def _number(text: str) -> float | None:
    """A number as staff type it: ``0,5`` or ``0.5``; spaces and thousand dots in integers tolerated."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _whole(text: str) -> int | None:
    value = _number(text.replace(".", "")) if text.strip() else None
    return int(value) if value is not None and value == int(value) else None


def problem_text(staff: Staff, problem: FieldProblem) -> str:
    """A frame or plan problem in the page language, chosen by its reason; a problem without a known
    reason is shown as the service wrote it (English, after any "line N: ")."""
    key = f"fw_problem_{problem.reason}"
    known = bool(problem.reason) and has(key)
    text = staff.t(key, **problem.params) if known else _LINE.sub("", problem.message)
    # English starts with a capital, also where the text is the service's own ({detail})
    return _capitalised(text) if staff.lang == "en" else text


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def frame_report(staff: Staff, exc: InvalidInput) -> dict[str, Any]:
    """The per-row validation report of a rejected frame file: line, column, problem."""
    rows = []
    for problem in exc.problems:
        line = str(problem.params.get("line", ""))
        column = str(problem.params["column"]) if problem.reason == "frame_missing_column" else ""
        row = _ROW.match(problem.field)
        if row:
            column = row.group(2) or ""
            line = line or str(int(row.group(1)) + 2)
        elif problem.field == "header":
            line = "1"
        rows.append({"line": line or "—", "column": column, "text": problem_text(staff, problem)})
    return {"rows": rows, "total": exc.total, "shown": len(rows)}


def _default_plan(saved: dict[str, Any] | None, lang: str) -> dict[str, str]:
    """The plan form's starting values: the plan saved with the wave, else sensible defaults."""
    form = {
        "strata": "agency",
        "target": "n",
        "n": "",
        "margin": "5",
        "allocation": "proportional",
        "power_q": _plain(0.5, lang),
        "min_per_stratum": "",
        "max_per_stratum": "",
        "response_rate": "100",
        "deff": "1",
        "p": "50",
        "method": "srs",
    }
    if saved:
        form["strata"] = (
            "agency_field" if list(saved.get("strata") or []) == ["agency", "field"] else "agency"
        )
        if saved.get("n") is not None:
            form["target"], form["n"] = "n", str(saved["n"])
        elif saved.get("margin") is not None:
            form["target"], form["margin"] = "margin", _plain(float(saved["margin"]) * 100, lang)
        for name in ("allocation", "method"):
            if saved.get(name):
                form[name] = str(saved[name])
        for name in ("min_per_stratum", "max_per_stratum"):
            if saved.get(name) is not None:
                form[name] = str(saved[name])
        form["power_q"] = _plain(float(saved.get("power_q") or 0.5), lang)
        form["response_rate"] = _plain(float(saved.get("response_rate") or 1.0) * 100, lang)
        form["deff"] = _plain(float(saved.get("deff") or 1.0), lang)
        form["p"] = _plain(float(saved.get("p") or 0.5) * 100, lang)
    return form


def _plain(value: float, lang: str = "en") -> str:
    """A number for an input box, with the decimal comma Vietnamese staff type (both are accepted)."""
    text = f"{round(value, 6):g}"
    return text.replace(".", ",") if lang == "vi" else text


PLAN_FIELDS = (
    "strata", "target", "n", "margin", "allocation", "power_q", "min_per_stratum", "max_per_stratum",
    "response_rate", "deff", "p", "method",
)  # fmt: skip


def _read_plan(raw: Any) -> dict[str, str]:
    return {name: str(raw.get(name) or "").strip()[:40] for name in PLAN_FIELDS}


def _plan_body(form: dict[str, str], staff: Staff) -> tuple[dict[str, Any], dict[str, str]]:
    """The body ``POST …/plan`` would get from the form, and per-field messages for what is wrong."""
    t = staff.t
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"strata": ["agency", "field"] if form["strata"] == "agency_field" else ["agency"]}
    if form["strata"] not in ("agency", "agency_field"):
        errors["strata"] = t("fw_err_choice")
    if form["target"] == "margin":
        margin = _number(form["margin"])
        if margin is None or not 0 < margin < 100:
            errors["margin"] = t("fw_err_percent")
        else:
            body["margin"] = margin / 100
    else:
        n = _whole(form["n"])
        if n is None or not 1 <= n <= 10_000_000:
            errors["n"] = t("fw_err_int")
        else:
            body["n"] = n
    if form["allocation"] not in ALLOCATIONS:
        errors["allocation"] = t("fw_err_choice")
    body["allocation"] = form["allocation"]
    q = _number(form["power_q"] or "0.5")
    if q is None or not 0 <= q <= 1:
        errors["power_q"] = t("fw_err_q")
    body["power_q"] = q if q is not None else 0.5
    for name in ("min_per_stratum", "max_per_stratum"):
        if form[name]:
            value = _whole(form[name])
            if value is None or value < 0:
                errors[name] = t("fw_err_int0")
            else:
                body[name] = value
    if (
        "min_per_stratum" in body
        and "max_per_stratum" in body
        and body["max_per_stratum"] < body["min_per_stratum"]
    ):
        errors["max_per_stratum"] = t("fw_err_minmax")
    rate = _number(form["response_rate"] or "100")
    if rate is None or not 0 < rate <= 100:
        errors["response_rate"] = t("fw_err_rate")
    else:
        body["response_rate"] = rate / 100
    deff = _number(form["deff"] or "1")
    if deff is None or not 1 <= deff <= 100:
        errors["deff"] = t("fw_err_deff")
    else:
        body["deff"] = deff
    p = _number(form["p"] or "50")
    if p is None or not 0 < p < 100:
        errors["p"] = t("fw_err_percent")
    else:
        body["p"] = p / 100
    if form["method"] not in SELECTION_METHODS:
        errors["method"] = t("fw_err_choice")
    body["method"] = form["method"]
    return body, errors


def _plan_problem_errors(staff: Staff, exc: InvalidInput) -> dict[str, str]:
    """The planning service's per-field problems as form messages (Vietnamese pages say it in Vietnamese)."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name = problem.field if problem.field in PLAN_FIELDS else "n"
        errors[name] = problem_text(staff, problem)
    return errors


async def _upload(raw: Any, name: str) -> bytes | None:
    upload = raw.get(name)
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read()
    return data or None


async def _wave_context(request: Request[Any, Any, Any], staff: Staff, code: str) -> dict[str, Any]:
    """Everything the wave's fieldwork page shows, from the same services as the JSON API."""
    actor = staff.actor
    wave = await request.app.state.services.waves.get(actor, code)  # NotFound → 404 page
    frame: dict[str, Any] = await FRAMES.summary(actor, code)
    names = await agency_names(request, staff, {a["agency"] for a in frame["agencies"]})
    try:
        sample: SampleSummary | None = await FIELDWORK.sample_summary(actor, code)
    except Conflict:
        sample = None
    progress = await progress_view(request, staff, code) if sample else None
    try:
        weights: WaveWeights | None = await WEIGHTS.latest(actor, code)
    except NotFound:
        weights = None
    contacts = await PHONES.summary(actor, code) if sample else None
    saved = (wave.get("settings") or {}).get("sampling_plan")
    cells_by_agency: dict[str, list[dict[str, Any]]] = {}
    for cell in frame["cells"]:
        cells_by_agency.setdefault(str(cell["agency"]), []).append(cell)
    return {
        "title": f"{staff.t('fw_title')} · {wave['code']}",
        "wave": wave,
        "wave_name": wave["name_en"] if staff.lang == "en" and wave.get("name_en") else wave["name_vi"],
        "period": period_text(wave),
        "badge": status_badge(str(wave["status"])),
        "frame": frame,
        "agency_names": names,
        "cells_by_agency": cells_by_agency,
        "frame_locked": sample is not None or wave["status"] == "closed",
        "sample": sample,
        "progress": progress,
        "weights": weights,
        "contacts": contacts,
        "plan_form": _default_plan(saved, staff.lang),
        "saved_plan": saved,
        "plan_errors": {},
        "preview": None,
        "seed": secrets.randbelow(10**9),
        "contacts_on": True,
        "report": None,
        "letters_report": None,
        "import_errors": {},
        "weights_form": _weights_defaults(weights, staff.lang),
        "weights_errors": {},
        "letters_errors": {},
        "draw_message": "",
        "allocations": ALLOCATIONS,
        "methods": SELECTION_METHODS,
        "calibrations": CALIBRATION_METHODS,
        "variables": FRAME_VARIABLES,
        "point_options": await _point_options(request, staff, wave["service_points"]),
    }


async def _point_options(
    request: Request[Any, Any, Any], staff: Staff, codes: list[str]
) -> list[tuple[str, str]]:
    """The wave's service points as (code, "code · name") choices for the letters form."""
    listed = await request.app.state.services.service_points.list(staff.actor, 20000, 0)
    names = {
        p["code"]: p["name_en"] if staff.lang == "en" and p.get("name_en") else p["name_vi"]
        for p in listed.items
    }
    return [(c, f"{c} · {names[c]}" if c in names else c) for c in codes]


def _weights_defaults(weights: WaveWeights | None, lang: str) -> dict[str, Any]:
    options = (weights.options if weights else None) or {}
    return {
        "nonresponse_classes": list(options.get("nonresponse_classes") or []),
        "calibration": options.get("calibration") or "poststratify",
        "calibration_variables": list(options.get("calibration_variables") or []),
        "trim_ratio": _plain(float(options["trim_ratio"]), lang) if options.get("trim_ratio") else "",
        "include_partials": bool(options.get("include_partials")),
    }


async def _wave_page(
    request: Request[Any, Any, Any], staff: Staff, code: str, status: int = 200, **extra: Any
) -> Template:
    context = await _wave_context(request, staff, code)
    context.update(extra)
    return page(staff, "fieldwork_wave.html", context, status=status)


# -- pages --------------------------------------------------------------------------------------------


@get(f"{ROOT}/fieldwork", include_in_schema=False, name="console_fieldwork")
async def fieldwork_index(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need(*ANALYSTS)
    listed = await request.app.state.services.waves.list(staff.actor, 500, 0)
    ids_by_code = {str(w["code"]): w for w in listed.items}
    counts = await FIELDWORK.overview(list(ids_by_code))
    waves = [
        {
            "code": w["code"],
            "name": w["name_en"] if staff.lang == "en" and w.get("name_en") else w["name_vi"],
            "status": w["status"],
            "badge": status_badge(str(w["status"])),
            "period": period_text(w),
            "units": counts[str(w["code"])].units,
            "sample": counts[str(w["code"])].sample,
        }
        for w in listed.items
    ]
    return page(staff, "fieldwork.html", {"title": staff.t("fw_title"), "waves": waves})


@get(f"{ROOT}/fieldwork/{{code:str}}", include_in_schema=False, name="console_fieldwork_wave")
async def fieldwork_wave(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need(*ANALYSTS)
    return await _wave_page(request, staff, code)


@post(
    f"{ROOT}/fieldwork/{{code:str}}/frame", include_in_schema=False, status_code=200, name="console_fw_frame"
)
async def import_frame(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """The frame file as a multipart upload; the same import as ``POST /api/v1/waves/{code}/frame``."""
    staff.need(*ANALYSTS)
    try:
        raw = await posted(request, staff)
    except RequestEntityTooLarge:  # nothing was read or stored: say what to do instead of a JSON problem
        return await _wave_page(request, staff, code, 413, import_errors={"file": staff.t("fw_err_too_big")})
    name = str(raw.get("name") or "").strip()[:200]
    data = await _upload(raw, "file")
    if data is None:
        return await _wave_page(request, staff, code, 422, import_errors={"file": staff.t("fw_err_file")})
    secret = request.app.state.services.settings.secret_key
    name = name or staff.t("fw_default_name", time=vn_time(datetime.now(UTC)))
    try:
        await FRAMES.import_frame(staff.actor, code, data, secret, name)
    except InvalidInput as exc:
        return await _wave_page(request, staff, code, 422, report=frame_report(staff, exc))
    return _done(code, "fw_imported", "fw-frame")


@post(f"{ROOT}/fieldwork/{{code:str}}/plan", include_in_schema=False, status_code=200, name="console_fw_plan")
async def plan(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """Preview (nothing stored) or, with ``save``, keep the plan in the wave's settings as the API does."""
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = _read_plan(raw)
    save = raw.get("save") == "1"
    body, errors = _plan_body(form, staff)
    if not errors:
        try:
            checked = msgspec.convert({**body, "save": save}, PlanIn)  # the API's own bounds
        except msgspec.ValidationError:
            errors["n"] = staff.t("fw_err_allocate")
    if errors:
        return await _wave_page(request, staff, code, 422, plan_form=form, plan_errors=errors)
    try:
        result = await FIELDWORK.plan(staff.actor, code, _plan_values(checked), save=save)
    except InvalidInput as exc:
        return await _wave_page(
            request, staff, code, 422, plan_form=form, plan_errors=_plan_problem_errors(staff, exc)
        )
    if save:
        return _done(code, "fw_plan_saved", "fw-plan")
    names = await agency_names(request, staff, {a["agency"] for a in result.agencies if "agency" in a})
    preview = {**dataclasses.asdict(result), "names": names}
    return await _wave_page(request, staff, code, plan_form=form, preview=preview)


@post(f"{ROOT}/fieldwork/{{code:str}}/draw", include_in_schema=False, status_code=200, name="console_fw_draw")
async def draw(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """The seeded draw with the previewed plan (``POST /api/v1/waves/{code}/draw``); once per wave."""
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = _read_plan(raw)
    seed_text = str(raw.get("seed") or "").strip()[:20]
    contacts = raw.get("contacts") == "1"
    seed = (
        int(seed_text)
        if seed_text.isascii() and seed_text.isdigit() and len(seed_text) <= 20 and int(seed_text) <= MAX_SEED
        else None
    )
    body, errors = _plan_body(form, staff)
    if seed is None:
        errors["seed"] = staff.t("fw_err_seed")
    if not errors:
        try:
            checked = msgspec.convert({**body, "seed": seed, "contacts": contacts}, DrawIn)
        except msgspec.ValidationError:
            errors["n"] = staff.t("fw_err_allocate")
    if errors:
        return await _wave_page(
            request,
            staff,
            code,
            422,
            plan_form=form,
            plan_errors=errors,
            seed=seed_text,
            contacts_on=contacts,
        )
    try:
        await FIELDWORK.draw(
            staff.actor, code, checked.seed, _plan_values(checked), contacts=checked.contacts
        )
    except InvalidInput as exc:
        return await _wave_page(
            request,
            staff,
            code,
            422,
            plan_form=form,
            plan_errors=_plan_problem_errors(staff, exc),
            seed=seed_text,
            contacts_on=contacts,
        )
    except Conflict:
        # Drawn already (or closed): the service draws once. Say so plainly, with the seed that was used.
        context = await _wave_context(request, staff, code)
        sample = context["sample"]
        message = (
            staff.t("fw_already_drawn", seed=sample.seed) if sample is not None else staff.t("fw_closed")
        )
        context["draw_message"] = message
        return page(staff, "fieldwork_wave.html", context, status=409)
    return _done(code, "fw_drawn", "fw-sample")


def _weights_form(raw: Any) -> dict[str, Any]:
    return {
        "nonresponse_classes": [str(v) for v in raw.getall("nonresponse_classes", [])][:20],
        "calibration": str(raw.get("calibration") or "poststratify")[:20],
        "calibration_variables": [str(v) for v in raw.getall("calibration_variables", [])][:20],
        "trim_ratio": str(raw.get("trim_ratio") or "").strip()[:20],
        "include_partials": raw.get("include_partials") == "1",
    }


@post(
    f"{ROOT}/fieldwork/{{code:str}}/weights",
    include_in_schema=False,
    status_code=200,
    name="console_fw_weights",
)
async def compute_weights(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """Compute and store the weights on demand (``POST /api/v1/waves/{code}/weights``)."""
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = _weights_form(raw)
    t = staff.t
    errors: dict[str, str] = {}
    trim = _number(form["trim_ratio"]) if form["trim_ratio"] else None
    if form["trim_ratio"] and (trim is None or trim <= 1):
        errors["trim_ratio"] = t("fw_err_trim")
    if form["calibration"] not in CALIBRATION_METHODS:
        errors["calibration"] = t("fw_err_choice")
    for name in ("nonresponse_classes", "calibration_variables"):
        if any(v not in FRAME_VARIABLES for v in form[name]):
            errors[name] = t("fw_err_vars")
    values = {
        "nonresponse_classes": form["nonresponse_classes"] or None,
        "calibration": form["calibration"],
        "calibration_variables": form["calibration_variables"] or None,
        "trim_ratio": trim,
        "include_partials": form["include_partials"],
    }
    if not errors:
        try:
            checked = msgspec.convert(values, WeightsIn)
            values = {f: getattr(checked, f) for f in checked.__struct_fields__}
        except msgspec.ValidationError:
            errors["calibration"] = t("fw_err_choice")
    if not errors:
        try:
            await WEIGHTS.compute(staff.actor, code, values)
        except InvalidInput as exc:
            errors = _weights_problem_errors(staff, exc.problems)
    if errors:
        return await _wave_page(request, staff, code, 422, weights_form=form, weights_errors=errors)
    return _done(code, "fw_weights", "fw-weights")


def _weights_problem_errors(staff: Staff, problems: list[FieldProblem]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        if staff.lang == "en":
            name = (
                problem.field
                if problem.field in ("nonresponse_classes", "calibration_variables", "trim_ratio")
                else "calibration"
            )
            errors[name] = problem.message[:1].upper() + problem.message[1:]
        elif problem.field in ("fieldwork", "sample"):
            errors["calibration"] = staff.t("fw_err_no_respondents")
        elif problem.field == "trim_ratio":
            errors["trim_ratio"] = staff.t("fw_err_trim")
        elif problem.field in ("nonresponse_classes", "calibration_variables"):
            errors[problem.field] = staff.t("fw_err_vars")
        else:
            errors["calibration"] = staff.t("fw_err_calibration")
    return errors


@post(
    f"{ROOT}/fieldwork/{{code:str}}/letters",
    include_in_schema=False,
    status_code=200,
    name="console_fw_letters",
)
async def letters(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Response[bytes]:
    """Invitation letters from the frame file given again, as ``POST /api/v1/waves/{code}/letters``."""
    staff.need(*ANALYSTS)
    try:
        raw = await posted(request, staff)
    except RequestEntityTooLarge:
        too_big = {"letters_file": staff.t("fw_err_too_big_letters")}
        return await _wave_page(request, staff, code, 413, letters_errors=too_big)
    data = await _upload(raw, "letters_file")
    point = str(raw.get("service_point") or "").strip()[:48] or None
    if data is None:
        return await _wave_page(
            request, staff, code, 422, letters_errors={"letters_file": staff.t("fw_err_file")}
        )
    settings = request.app.state.services.settings
    try:
        rows, missing = await FIELDWORK.letters(
            staff.actor, code, data, settings.secret_key, settings.base_url, point
        )
    except InvalidInput as exc:
        if any(p.field == "service_point" for p in exc.problems):
            agencies = [p.params["agency"] for p in exc.problems if p.reason == "letters_no_point"]
            detail = (
                "; ".join(staff.t("fw_letters_no_point", agency=a) for a in agencies)
                if agencies
                else staff.t("fw_err_choice")
            )
            return await _wave_page(
                request,
                staff,
                code,
                422,
                letters_errors={"service_point": staff.t("fw_letters_problem", detail=detail)},
            )
        return await _wave_page(request, staff, code, 422, letters_report=frame_report(staff, exc))
    if not rows:
        return await _wave_page(
            request, staff, code, 422, letters_errors={"letters_file": staff.t("fw_letters_none")}
        )
    body = await anyio.to_thread.run_sync(partial(render_letters, [LetterData(**row) for row in rows]))
    return Response(
        content=body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="letters-{quote(code)}.pdf"',
            "Cache-Control": "no-store",
            "X-Sipas-Letters": str(len(rows)),
            "X-Sipas-Missing": str(missing),
        },
    )


HANDLERS: list[Any] = [fieldwork_index, fieldwork_wave, import_frame, plan, draw, compute_weights, letters]
