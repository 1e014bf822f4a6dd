"""Collection: what a service-point token serves, submissions and their storage, kiosks, receipts, rate
limits."""
