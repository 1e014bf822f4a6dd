"""The words of the fieldwork console pages (frames, plan, draw, weights, letters), Vietnamese first.

One table for :mod:`api.fieldwork.console_fieldwork` and :mod:`api.fieldwork.console_fieldwork_forms`;
the pages register it with :func:`api.web.console_i18n.register`.
"""

from __future__ import annotations

FIELDWORK_STRINGS: dict[str, tuple[str, str]] = {
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
