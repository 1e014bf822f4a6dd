"""AAPOR disposition codes of phone call attempts and the contact statuses they lead to.

Disposition codes follow AAPOR *Standard Definitions* (telephone surveys, table 2). Each code maps to one
outcome, and the contact's status becomes the outcome of its latest attempt (``pending`` before any):

==========  ==============================================================  ============
code        AAPOR meaning                                                   outcome
==========  ==============================================================  ============
1.1         complete interview (only through :meth:`mark_complete`)         complete
1.2         partial interview                                               partial
2.10        refusal and break-off                                           refusal
2.11        refusal (2.111 household-level, 2.112 known respondent)         refusal
2.12        break-off                                                       refusal
2.20        non-contact                                                     non_contact
2.21        respondent never available                                      non_contact
2.211       appointment: called back at ``callback_at`` (sub-code of 2.21)  callback
2.22        answering machine (2.221 message left, 2.222 no message)        non_contact
2.30        other eligible non-interview                                    other
2.31–2.36   dead; unable; language (2.331–2.333); audio; location; misc.    other
3.10        unknown eligibility                                             unknown
3.11        not attempted or worked                                         unknown
3.12        always busy                                                     non_contact
3.13        no answer                                                       non_contact
3.14        answering machine, eligibility unknown                          non_contact
3.15–3.16   call blocking; technical phone problems                        unknown
3.20–3.21   eligibility of the person unknown; no screener                  unknown
3.90        other unknown eligibility                                       unknown
4.10–4.90   not eligible: out of sample, fax, non-working/disconnected,     ineligible
            number changed, no eligible respondent, quota filled, other
==========  ==============================================================  ============

AAPOR has no final code for an appointment: a callback is a temporary disposition which, if the interview
never happens, ends as 2.21 "respondent never available". AAPOR allows finer sub-codes that roll up into
its codes, so an appointment is ``2.211`` and its ``callback_at`` is required.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Disposition:
    label: str
    outcome: str


_OTHER = "other"
DISPOSITIONS: dict[str, Disposition] = {
    "1.1": Disposition("complete interview", "complete"),
    "1.2": Disposition("partial interview", "partial"),
    "2.10": Disposition("refusal and break-off", "refusal"),
    "2.11": Disposition("refusal", "refusal"),
    "2.111": Disposition("household-level refusal", "refusal"),
    "2.112": Disposition("known-respondent refusal", "refusal"),
    "2.12": Disposition("break-off", "refusal"),
    "2.20": Disposition("non-contact", "non_contact"),
    "2.21": Disposition("respondent never available", "non_contact"),
    "2.211": Disposition("appointment: call back at the agreed time", "callback"),
    "2.22": Disposition("telephone answering device", "non_contact"),
    "2.221": Disposition("answering device, message left", "non_contact"),
    "2.222": Disposition("answering device, no message left", "non_contact"),
    "2.30": Disposition("other eligible non-interview", _OTHER),
    "2.31": Disposition("dead", _OTHER),
    "2.32": Disposition("physically or mentally unable", _OTHER),
    "2.33": Disposition("language problem", _OTHER),
    "2.331": Disposition("household-level language problem", _OTHER),
    "2.332": Disposition("respondent language problem", _OTHER),
    "2.333": Disposition("no interviewer for the needed language", _OTHER),
    "2.34": Disposition("inadequate audio quality", _OTHER),
    "2.35": Disposition("location or activity not allowing an interview", _OTHER),
    "2.36": Disposition("miscellaneous", _OTHER),
    "3.10": Disposition("unknown eligibility", "unknown"),
    "3.11": Disposition("not attempted or worked", "unknown"),
    "3.12": Disposition("always busy", "non_contact"),
    "3.13": Disposition("no answer", "non_contact"),
    "3.14": Disposition("answering device, eligibility unknown", "non_contact"),
    "3.15": Disposition("call blocking", "unknown"),
    "3.16": Disposition("technical phone problems", "unknown"),
    "3.20": Disposition("eligibility of the respondent unknown", "unknown"),
    "3.21": Disposition("no screener completed", "unknown"),
    "3.90": Disposition("other unknown eligibility", "unknown"),
    "4.10": Disposition("out of sample", "ineligible"),
    "4.20": Disposition("fax or data line", "ineligible"),
    "4.30": Disposition("non-working or disconnected number", "ineligible"),
    "4.31": Disposition("non-working number", "ineligible"),
    "4.32": Disposition("disconnected number", "ineligible"),
    "4.33": Disposition("temporarily out of service", "ineligible"),
    "4.40": Disposition("special technological circumstances", "ineligible"),
    "4.41": Disposition("number changed", "ineligible"),
    "4.70": Disposition("no eligible respondent", "ineligible"),
    "4.80": Disposition("quota filled", "ineligible"),
    "4.90": Disposition("other ineligible", "ineligible"),
}
COMPLETE = "1.1"
CALLBACK = "2.211"
OUTCOMES = ("complete", "partial", "refusal", "non_contact", "callback", "other", "unknown", "ineligible")
STATUSES = ("pending", *OUTCOMES)
# No further calls once the interview is done or the person is out of scope; a refusal may still be
# converted and a partial interview resumed, so those stay open.
FINAL_STATUSES = ("complete", "ineligible")
