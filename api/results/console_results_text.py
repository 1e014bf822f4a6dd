"""The words of the console's results pages (Vietnamese, English), registered with the console's
translator: one table for the province page, the agency page and their charts."""

from __future__ import annotations

from api.web.console_i18n import register

register(
    {
        "res_title": ("Kết quả khảo sát", "Survey results"),
        "res_province_heading": ("Chỉ số SIPAS các cơ quan", "SIPAS index of every agency"),
        "res_choose": ("Chọn đợt khảo sát và chuỗi số liệu", "Choose a wave and a series"),
        "res_wave": ("Đợt khảo sát", "Survey wave"),
        "res_series": ("Chuỗi số liệu", "Series"),
        "res_show": ("Xem kết quả", "Show results"),
        "res_wave_option": ("{code} — {name} ({n} phiếu)", "{code} — {name} ({n} responses)"),
        "res_series_self-selected": (
            "Đánh giá tự nguyện (kiosk, mã QR, trực tuyến) — không phải mẫu xác suất",
            "Self-selected ratings (kiosk, QR, online) — not a probability sample",
        ),
        "res_series_probability": ("Mẫu xác suất (có gia quyền)", "Probability sample (weighted)"),
        "res_note_self-selected": (
            "Chuỗi đánh giá tự nguyện không phải là mẫu xác suất: người trả lời tự chọn tham gia, số liệu "
            "không gia quyền và không đại diện cho mọi người sử dụng dịch vụ. Khoảng tin cậy coi các phiếu "
            "tại cùng một điểm phục vụ trong cùng một ngày là một cụm.",
            "The self-selected series is not a probability sample: respondents chose to take part, the "
            "figures are unweighted and do not represent every service user. Intervals treat the responses "
            "at one service point on one day as a cluster.",
        ),
        "res_note_probability": (
            "Chuỗi mẫu xác suất: người trả lời được chọn ngẫu nhiên từ khung mẫu; số liệu có gia quyền theo "
            "thiết kế mẫu.",
            "Probability series: respondents were drawn at random from the frame; the figures are weighted "
            "by the sampling design.",
        ),
        "res_never_pooled": (
            "Hai chuỗi số liệu không bao giờ được gộp với nhau.",
            "The two series are never pooled.",
        ),
        "res_no_waves": (
            "Chưa có đợt khảo sát nào có Chỉ số SIPAS để hiển thị.",
            "There is no survey wave with a SIPAS index to show yet.",
        ),
        "res_no_responses": (
            "Đợt khảo sát này chưa có phiếu trả lời đầy đủ nào trong chuỗi số liệu đã chọn.",
            "This wave has no complete responses in the chosen series yet.",
        ),
        "res_no_weights": (
            "Đợt khảo sát này chưa có quyền số (chưa chọn mẫu hoặc chưa tính quyền số), nên chuỗi mẫu xác "
            "suất chưa có kết quả. Hãy xem chuỗi đánh giá tự nguyện.",
            "This wave has no weights yet (no sample drawn or no weights computed), so the probability "
            "series has no results. See the self-selected series.",
        ),
        "res_not_index": (
            "Bảng hỏi của đợt khảo sát này không tính Chỉ số SIPAS theo tỷ lệ hài lòng.",
            "The questionnaire of this wave has no SIPAS index scored as a satisfied share.",
        ),
        "res_chart_province": ("Chỉ số SIPAS theo cơ quan", "SIPAS index by agency"),
        "res_chart_province_desc": (
            "Chấm: Chỉ số SIPAS (%) của từng cơ quan, sắp xếp từ cao xuống thấp; vạch ngang: khoảng tin "
            "cậy 95 %; đường đứt: trung bình tỉnh. Các cơ quan không được công bố nằm cuối, có ghi lý do.",
            "Dots: each agency's SIPAS index (%), highest first; lines: 95% confidence intervals; dashed "
            "line: province mean. Agencies whose index is not published come last, with the reason.",
        ),
        "res_overlap": (
            "Các cơ quan được sắp xếp theo chỉ số, nhưng hai cơ quan có khoảng tin cậy chồng lấn nhau không "
            "khác biệt có ý nghĩa thống kê: thứ tự giữa chúng không phải là xếp hạng. Cột “So với trung bình "
            "tỉnh” dựa trên khoảng tin cậy của chênh lệch.",
            "Agencies are sorted by their index, but agencies whose intervals overlap are not significantly "
            "different: their order is not a ranking. The column “vs province mean” is based on the "
            "interval of the difference.",
        ),
        "res_axis": ("Chỉ số (%)", "Index (%)"),
        "res_province_mean": ("Trung bình tỉnh: {value}", "Province mean: {value}"),
        "res_province_mean_label": ("Trung bình tỉnh", "Province mean"),
        "res_figures": ("Số liệu của biểu đồ", "The chart's figures"),
        "res_col_agency": ("Cơ quan", "Agency"),
        "res_col_index": ("Chỉ số (%)", "Index (%)"),
        "res_col_interval": ("Khoảng tin cậy 95 %", "95% interval"),
        "res_col_n": ("Số phiếu (n)", "Responses (n)"),
        "res_col_vs_mean": ("So với trung bình tỉnh", "vs province mean"),
        "res_col_publication": ("Công bố", "Publication"),
        "res_col_element": ("Yếu tố", "Element"),
        "res_col_criterion": ("Tiêu chí", "Criterion"),
        "res_col_dont_know": ("Không biết / không áp dụng", "Don't know / not applicable"),
        "res_col_wave": ("Đợt khảo sát", "Wave"),
        "res_col_period": ("Thời gian", "Period"),
        "res_col_change": ("Thay đổi so với đợt trước", "Change since the previous wave"),
        "res_col_ratings": ("Số lượt đánh giá", "Ratings"),
        "res_col_very_satisfied": ("Rất hài lòng", "Very satisfied"),
        "res_col_satisfied": ("Hài lòng", "Satisfied"),
        "res_col_dissatisfied": ("Không hài lòng", "Dissatisfied"),
        "res_flag_ok": ("Công bố", "Published"),
        "res_flag_review": ("Cần thận trọng", "Use with caution"),
        "res_flag_suppress": ("Không công bố", "Suppressed"),
        "res_flag_none": ("Chưa có phiếu", "No responses"),
        "res_not_estimable": ("không ước lượng được", "not estimable"),
        "res_no_responses_reason": ("chưa có phiếu trả lời", "no responses yet"),
        "res_above": ("Cao hơn có ý nghĩa", "Significantly higher"),
        "res_below": ("Thấp hơn có ý nghĩa", "Significantly lower"),
        "res_not_different": ("Không khác biệt có ý nghĩa", "Not significantly different"),
        "res_up": ("Tăng có ý nghĩa thống kê", "Significant increase"),
        "res_down": ("Giảm có ý nghĩa thống kê", "Significant decrease"),
        "res_flat": ("Thay đổi không có ý nghĩa thống kê", "No significant change"),
        "res_points": ("{value} điểm", "{value} points"),
        "res_level_province": ("Cấp tỉnh", "Province"),
        "res_level_district": ("Cấp huyện", "District"),
        "res_level_commune": ("Cấp xã", "Commune"),
        "res_downloads": ("Tải xuống", "Downloads"),
        "res_dl_province_pdf": ("Báo cáo tổng hợp toàn tỉnh (PDF)", "Province summary (PDF)"),
        "res_dl_estimates_csv": ("Bảng ước lượng (CSV)", "Estimates (CSV)"),
        "res_dl_microdata": ("Dữ liệu phiếu trả lời (CSV)", "Response microdata (CSV)"),
        "res_dl_codebook": ("Từ điển biến của dữ liệu (CSV)", "Codebook of the microdata (CSV)"),
        "res_dl_scorecard": ("Phiếu điểm (PDF)", "Scorecard (PDF)"),
        "res_dl_scorecard_en": ("Phiếu điểm tiếng Anh (PDF)", "Scorecard in English (PDF)"),
        "res_dl_note": (
            "Phiếu điểm và báo cáo tổng hợp dùng chuỗi mẫu xác suất khi đợt khảo sát đã có quyền số, nếu "
            "không thì dùng chuỗi đánh giá tự nguyện (có ghi rõ). Bảng ước lượng theo chuỗi đang xem. Dữ "
            "liệu phiếu trả lời không chứa số điện thoại hay mã hồ sơ.",
            "Scorecards and the province summary use the probability series when the wave has weights, "
            "otherwise the self-selected series (labelled as such). The estimates follow the series shown. "
            "The microdata hold no phone numbers or dossier codes.",
        ),
        "res_counter_title": ("Đánh giá nhanh tại quầy — chuỗi riêng", "Counter ratings — a separate series"),
        "res_counter_note": (
            "Đánh giá 3 mức tại quầy, kiosk hoặc mã QR trong thời gian của đợt khảo sát. Người dân tự chọn "
            "tham gia, nên đây không phải mẫu xác suất; số liệu được trình bày riêng và không bao giờ gộp "
            "vào Chỉ số SIPAS.",
            "Three-level ratings at the counter, kiosk or QR code during the wave's period. Citizens chose "
            "to take part, so this is not a probability sample; the figures are shown apart and never "
            "pooled with the SIPAS index.",
        ),
        "res_counter_none": (
            "Không có lượt đánh giá tại quầy nào trong thời gian của đợt khảo sát.",
            "No counter ratings were given during the wave's period.",
        ),
        "res_counter_caption": ("Đánh giá tại quầy theo cơ quan", "Counter ratings by agency"),
        "res_agency_sub": ("Đợt khảo sát {wave}", "Wave {wave}"),
        "res_back_province": ("Tất cả cơ quan", "All agencies"),
        "res_overall": ("Chỉ số SIPAS", "SIPAS index"),
        "res_elements_chart": ("Chỉ số SIPAS và các yếu tố", "SIPAS index and its elements"),
        "res_elements_desc": (
            "Chấm: chỉ số (%) của toàn cơ quan (dòng đầu, in đậm) và của từng yếu tố; vạch ngang: khoảng "
            "tin cậy 95 %. Chấm rỗng và vạch đứt: cần thận trọng; không có chấm: không công bố.",
            "Dots: the overall index (%, first row, bold) and each element's; lines: 95% confidence "
            "intervals. Hollow dot and dashed line: use with caution; no dot: suppressed.",
        ),
        "res_criteria_title": ("Các tiêu chí", "Criteria"),
        "res_criteria_caption": (
            "Chỉ số từng tiêu chí, khoảng tin cậy, số phiếu, số câu “không biết” và quy tắc công bố",
            "Each criterion's index, interval, responses, “don't know” answers and publication verdict",
        ),
        "res_trend_title": ("Diễn biến qua các đợt khảo sát", "Trend over waves"),
        "res_trend_desc": (
            "Chỉ số SIPAS (%) của cơ quan qua các đợt khảo sát cùng bảng hỏi, từ cũ đến mới; vạch dọc: "
            "khoảng tin cậy 95 %.",
            "The agency's SIPAS index (%) in the waves with the same questionnaire, oldest first; vertical "
            "lines: 95% confidence intervals.",
        ),
        "res_trend_note": (
            "Diễn biến dùng chỉ số toàn cơ quan (không áp dụng bộ lọc) trong cùng chuỗi số liệu. Thay đổi "
            "được đánh giá bằng khoảng tin cậy của chênh lệch giữa hai mẫu độc lập, như trong phiếu điểm.",
            "The trend uses the whole agency's index (no filter) in the same series. A change is judged by "
            "the interval of the difference between two independent samples, as on the scorecard.",
        ),
        "res_trend_none": (
            "Chưa có đợt khảo sát trước với cùng bảng hỏi cho cơ quan này.",
            "There is no earlier wave with the same questionnaire for this agency.",
        ),
        "res_trend_missing": ("không có kết quả ở chuỗi này", "no results in this series"),
        "res_current_wave": ("{code} (đợt đang xem)", "{code} (this wave)"),
        "res_filters": ("Lọc kết quả của cơ quan", "Filter the agency's results"),
        "res_filter_service_point": ("Điểm phục vụ", "Service point"),
        "res_filter_channel": ("Kênh trả lời", "Channel"),
        "res_filter_field": ("Lĩnh vực", "Field"),
        "res_not_answered": ("Không trả lời", "Not answered"),
        "res_unknown_field": (
            "Không xác định (phiếu không gắn với hồ sơ trong khung mẫu)",
            "Unknown (responses not linked to a dossier of the frame)",
        ),
        "res_apply": ("Áp dụng", "Apply"),
        "res_clear": ("Bỏ lọc", "Clear filters"),
        "res_filtered": (
            "Đang lọc: {what}. Nhóm càng nhỏ thì khoảng tin cậy càng rộng và càng dễ không đủ điều kiện "
            "công bố.",
            "Filtered: {what}. The smaller the group, the wider the interval and the more likely it is "
            "suppressed.",
        ),
        "res_no_domain": (
            "Không có phiếu trả lời đầy đủ nào của cơ quan cho lựa chọn này.",
            "The agency has no complete responses for this selection.",
        ),
        "res_channel_online": ("Trực tuyến", "Online"),
        "res_channel_kiosk": ("Kiosk", "Kiosk"),
        "res_channel_phone": ("Điện thoại", "Phone"),
        "res_channel_paper": ("Phiếu giấy", "Paper"),
        "res_peer_title": ("So với các cơ quan cùng cấp", "Compared with agencies of the same level"),
        "res_peer_text": (
            "Trung bình của {m} cơ quan {level}: {mean} (khoảng tin cậy 95 %: {interval}). Chênh lệch của "
            "cơ quan: {diff} (khoảng tin cậy 95 %: {dinterval}) — {verdict}.",
            "Mean of the {m} agencies at {level} level: {mean} (95% interval {interval}). The agency's "
            "difference: {diff} (95% interval {dinterval}) — {verdict}.",
        ),
        "res_peer_filtered": (
            "So sánh với các cơ quan cùng cấp chỉ hiển thị khi không lọc.",
            "The comparison with agencies of the same level is shown without filters only.",
        ),
        "res_method": ("Cách tính", "How the figures are computed"),
        "res_legend_ok": ("Chấm đặc: được công bố", "Solid dot: published"),
        "res_legend_review": (
            "Chấm rỗng, vạch đứt: cần thận trọng",
            "Hollow dot, dashed line: use with caution",
        ),
        "res_legend_suppress": (
            "Không có chấm: không công bố (có ghi lý do)",
            "No dot: suppressed (reason given)",
        ),
        "res_rows": ("{n} phiếu trả lời đầy đủ trong chuỗi này", "{n} complete responses in this series"),
    }
)
