"""English and Chinese text for every finding, by message key."""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "GP-PLASTIC.pass": ("Single-use item is not non-degradable plastic.", "一次性用品不属于不可降解塑料制品。"),
    "GP-PLASTIC.fail": ("Non-degradable single-use plastic items may not be bought; take a reusable or degradable one.",
                        "禁止采购不可降解的一次性塑料制品，请选择可重复使用或可降解的替代品。"),
    "GP-DISPOSABLE.pass": ("Not a single-use item.", "非一次性用品。"),
    "GP-DISPOSABLE.fail": ("Single-use office supplies are limited: give a justification, or take a reusable item.",
                           "限制使用一次性办公用品：请填写理由，或选择可重复使用的物品。"),
    "GP-PAPER.pass": ("Recycled paper ({pct}% recycled content).", "再生纸（再生纤维含量 {pct}%）。"),
    "GP-PAPER.fail": ("Printing and copy paper must be recycled (at least {min_pct}% recycled content; this has {pct}%).",
                      "打印复印纸须为再生纸（再生纤维含量至少 {min_pct}%，此项为 {pct}%）。"),
    "GP-CONSUMABLE.pass": ("Remanufactured or recycled consumable.", "再制造或再生耗材。"),
    "GP-CONSUMABLE.fail": ("Toner, ink and drums should be remanufactured or recycled; a new one needs a justification.",
                           "硒鼓、墨盒、粉盒应使用再制造或再生产品，采购新品须说明理由。"),
    "GP-LIGHTING.pass": ("LED lighting.", "LED 照明。"),
    "GP-LIGHTING.fail": ("Lighting must be LED.", "照明产品须为 LED。"),
    "GP-ENERGY.pass": ("China Energy Label grade {grade} (at most {max_grade} allowed).", "中国能效标识 {grade} 级（要求不低于 {max_grade} 级）。"),
    "GP-ENERGY.fail": ("China Energy Label grade {grade} is not allowed: grade {max_grade} or better is required.",
                       "能效等级 {grade} 级不符合要求：须为 {max_grade} 级及以上。"),
    "GP-ENERGY.unknown": ("The appliance's China Energy Label grade is not recorded.", "未登记该电器的中国能效标识等级。"),
    "GP-WATER.pass": ("Water-saving fitting.", "节水型器具。"),
    "GP-WATER.fail": ("Taps and cisterns must be water-saving.", "水嘴、便器水箱须为节水型器具。"),
    "GP-RECYCLABLE.pass": ("Recyclable.", "可回收。"),
    "GP-RECYCLABLE.fail": ("Not recyclable: a recyclable item is preferred.", "不可回收：优先选择可回收产品。"),
    "GP-GREENLIST.pass": ("On the government energy-saving / environmental-label list.", "列入政府节能 / 环境标志产品清单。"),
    "GP-GREENLIST.fail": ("Not on the government energy-saving / environmental-label lists: a listed item is preferred.",
                          "未列入政府节能 / 环境标志产品清单：优先选择清单内产品。"),
    "GP-BUDGET.pass": ("Total {total} CNY is within the department's remaining budget of {remaining} CNY.",
                       "合计 {total} 元，未超出部门剩余预算 {remaining} 元。"),
    "GP-BUDGET.fail": ("Total {total} CNY exceeds the department's remaining budget of {remaining} CNY.",
                       "合计 {total} 元，超出部门剩余预算 {remaining} 元。"),
    "GP-BUDGET.none": ("The department has no office-supply budget this year.", "本部门本年度未设置办公用品预算。"),
    "GP-QUOTA.paper.pass": ("Paper: {asked} reams asked, {used} used this year, quota {quota}.",
                            "用纸：本次 {asked} 令，本年已用 {used} 令，定额 {quota} 令。"),
    "GP-QUOTA.paper.fail": ("Paper: {asked} reams asked and {used} used this year exceed the quota of {quota} reams per person.",
                            "用纸：本次 {asked} 令加本年已用 {used} 令，超出每人 {quota} 令的定额。"),
    "GP-QUOTA.toner.pass": ("Consumables: {asked} asked, {used} used this year, quota {quota}.",
                            "耗材：本次 {asked} 个，本年已用 {used} 个，定额 {quota} 个。"),
    "GP-QUOTA.toner.fail": ("Consumables: {asked} asked and {used} used this year exceed the quota of {quota} per person.",
                            "耗材：本次 {asked} 个加本年已用 {used} 个，超出每人 {quota} 个的定额。"),
    "VU-PURPOSE.pass": ("Official purpose: {purpose}.", "公务事由：{purpose}。"),
    "VU-PURPOSE.fail": ("'{purpose}' is not an official purpose category; official cars are for official business only.",
                        "“{purpose}”不是公务用车事由类别；公务用车仅限公务。"),
    "VU-135.pass": ("{distance_km} km one way: a car may be dispatched.", "单程 {distance_km} 公里：可以派车。"),
    "VU-135.walk": ("{distance_km} km one way is under the walking distance: please walk (1-3-5 rule).",
                    "单程 {distance_km} 公里，在步行距离内：请步行（“1-3-5”绿色出行）。"),
    "VU-135.cycle": ("{distance_km} km one way is within cycling distance: please cycle (1-3-5 rule).",
                     "单程 {distance_km} 公里，在骑行距离内：请骑自行车（“1-3-5”绿色出行）。"),
    "VU-135.public_transport": ("{distance_km} km one way is within public-transport distance: please take the bus (1-3-5 rule).",
                                "单程 {distance_km} 公里，在公共交通距离内：请乘坐公共交通（“1-3-5”绿色出行）。"),
    "VU-135.exempted": ("{distance_km} km one way calls for {mode}; a car for '{exemption}' needs the logistics approval.",
                        "单程 {distance_km} 公里本应{mode}出行；因“{exemption}”用车，须经机关事务分管领导审批。"),
    "VU-LONG.pass": ("Within the county limit of {limit_km} km.", "在县域 {limit_km} 公里范围内。"),
    "VU-LONG.fail": ("{distance_km} km one way is beyond the county limit of {limit_km} km: needs the logistics approval.",
                     "单程 {distance_km} 公里，超出县域 {limit_km} 公里范围：须经机关事务分管领导审批。"),
    "VU-FUEL.pass": ("{per_100km} per 100 km, within the norm of {norm} plus {tolerance_pct}%.",
                     "百公里 {per_100km}，在定额 {norm} 加 {tolerance_pct}% 以内。"),
    "VU-FUEL.fail": ("{per_100km} per 100 km is above the norm of {norm} plus {tolerance_pct}%: check the trip.",
                     "百公里 {per_100km}，超出定额 {norm} 加 {tolerance_pct}%：请核查。"),
}


# Words that appear as parameter values (travel modes, exemptions, purposes).
TERMS: dict[str, tuple[str, str]] = {
    "walk": ("walking", "步行"), "cycle": ("cycling", "骑行"), "public_transport": ("public transport", "公共交通"),
    "cargo": ("goods or equipment to carry", "携带物资或设备"), "emergency": ("emergency", "紧急公务"),
    "mobility": ("mobility or health", "行动不便或健康原因"), "no_transit": ("no public transport at that hour", "该时段无公共交通"),
    "hosting_visitors": ("hosting visitors", "接待来宾"), "severe_weather": ("severe weather", "恶劣天气"),
    "meeting": ("meeting", "会议"), "inspection": ("inspection", "检查调研"), "document_delivery": ("document delivery", "文件递送"),
    "reception": ("reception", "公务接待"), "other": ("other official business", "其他公务"),
}
_TERM_PARAMS = ("mode", "exemption", "purpose")


def render(message_key: str, params: dict, language: str) -> str:
    en, zh = MESSAGES[message_key]
    chinese = language.startswith("zh")
    words = {k: TERMS[v][1 if chinese else 0] for k, v in params.items() if k in _TERM_PARAMS and v in TERMS}
    return (zh if chinese else en).format(**{**params, **words})
