"""Words the pages show from data (statuses, outcomes, categories, ...): listed so they get translated."""


def N_(text: str) -> str:  # marks a string for extraction; translated where it is shown
    return text


STATUSES = [N_("draft"), N_("dept_review"), N_("office_review"), N_("returned"), N_("approved"), N_("ordered"),
            N_("received"), N_("rejected"), N_("cancelled"), N_("requested"), N_("sent_back"), N_("dispatched"),
            N_("on_trip"), N_("closed"), N_("new")]
OUTCOMES = [N_("pass"), N_("warn"), N_("exception"), N_("block")]
CATEGORIES = [N_("paper"), N_("toner"), N_("tableware"), N_("lighting"), N_("appliance"), N_("plumbing"),
              N_("stationery"), N_("cleaning")]
PURPOSES = [N_("meeting"), N_("inspection"), N_("document_delivery"), N_("emergency"), N_("reception"), N_("other")]
EXEMPTIONS = [N_("cargo"), N_("mobility"), N_("no_transit"), N_("hosting_visitors"), N_("severe_weather")]
ACTIONS = [N_("create"), N_("edit"), N_("submit"), N_("submit_blocked"), N_("resubmit"), N_("resubmit_blocked"),
           N_("approve"), N_("return"), N_("reject"), N_("cancel"), N_("order"), N_("receive"), N_("dispatch"),
           N_("depart"), N_("arrive"), N_("close"), N_("remind"), N_("escalate")]
