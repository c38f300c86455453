"""What each domain event says to the people it concerns, in English and Chinese."""
from __future__ import annotations

# topic -> (English title, Chinese title); the body adds the item's number and a link.
TITLES: dict[str, tuple[str, str]] = {
    "task.assigned": ("{number} waits for your approval", "{number} 待您审批"),
    "task.overdue": ("Overdue: {number} waits for your approval", "已超期：{number} 待您审批"),
    "request.approved": ("{number} is approved", "{number} 已批准"),
    "request.returned": ("{number} was returned to you", "{number} 已退回修改"),
    "request.rejected": ("{number} was rejected", "{number} 未获批准"),
    "order.placed": ("Ordered: {number}", "已下单：{number}"),
    "order.received": ("Delivered: {number}", "已到货：{number}"),
    "trip.approved": ("Trip {number} is approved", "用车申请 {number} 已批准"),
    "trip.returned": ("Trip {number} was returned to you", "用车申请 {number} 已退回修改"),
    "trip.rejected": ("Trip {number} was rejected", "用车申请 {number} 未获批准"),
    "trip.dispatched": ("Vehicle {vehicle} is assigned", "已派车：{vehicle}"),
    "trip.fuel_anomaly": ("Fuel above norm on {vehicle}", "{vehicle} 油耗超出定额"),
    "report.monthly_digest": ("Savings summary for {period}", "{period} 节约情况月报"),
}
BODIES: dict[str, tuple[str, str]] = {
    "task.assigned": ("{number} from {department} waits for your decision.", "{department} 的 {number} 等待您审批。"),
    "task.overdue": ("{number} from {department} is past its due time; please decide, or it goes to the next level.",
                     "{department} 的 {number} 已超过办理时限，请尽快审批，否则将提交上一级。"),
    "request.approved": ("Your request {number} is approved.", "您的申请 {number} 已批准。"),
    "request.returned": ("Your request {number} was returned: {comment}", "您的申请 {number} 被退回：{comment}"),
    "request.rejected": ("Your request {number} was rejected: {comment}", "您的申请 {number} 未获批准：{comment}"),
    "order.placed": ("Purchase order {number} was placed with {supplier}.", "采购单 {number} 已向 {supplier} 下单。"),
    "order.received": ("Purchase order {number} was delivered ({status}).", "采购单 {number} 已到货（{status}）。"),
    "trip.approved": ("Your trip {number} is approved; the fleet manager will assign a vehicle.",
                      "您的用车申请 {number} 已批准，车队将安排车辆。"),
    "trip.returned": ("Your trip {number} was returned: {comment}", "您的用车申请 {number} 被退回：{comment}"),
    "trip.rejected": ("Your trip {number} was rejected: {comment}", "您的用车申请 {number} 未获批准：{comment}"),
    "trip.dispatched": ("Vehicle {vehicle} is assigned to trip {number}.", "用车 {number} 已安排车辆 {vehicle}。"),
    "trip.fuel_anomaly": ("{vehicle}: {per_100km} per 100 km against a norm of {norm}.",
                          "{vehicle}：百公里 {per_100km}，定额 {norm}。"),
    "report.monthly_digest": ("Office supplies {spend} CNY ({spend_change_pct}% year on year); vehicles {vehicle_cost} CNY; "
                              "{avoided_trips} car trips avoided, {co2_kg_saved} kg CO2 saved.",
                              "办公用品支出 {spend} 元（同比 {spend_change_pct}%）；公务用车费用 {vehicle_cost} 元；"
                              "减少出车 {avoided_trips} 次，减排二氧化碳 {co2_kg_saved} 千克。"),
}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def compose(topic: str, values: dict, language: str) -> tuple[str, str]:
    """(title, body) for a recipient; missing values print as blanks rather than failing a delivery."""
    index = 1 if language.startswith("zh") else 0
    return (TITLES[topic][index].format_map(_Blank(values)), BODIES[topic][index].format_map(_Blank(values)))
