"""Collection: the citizen's online form, the kiosk, submissions, service-point QR codes, receipts."""
