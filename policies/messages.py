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
}


def render(message_key: str, params: dict, language: str) -> str:
    en, zh = MESSAGES[message_key]
    text = zh if language.startswith("zh") else en
    return text.format(**params)
