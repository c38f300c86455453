"""Demo catalog: green and non-green items side by side in every category."""
from __future__ import annotations

from decimal import Decimal


def demo_catalog() -> list[dict]:
    def item(sku, name, name_zh, category, unit, price, supplier, **attrs):
        return {"sku": sku, "name": name, "name_zh": name_zh, "category": category, "unit": unit,
                "unit_price": Decimal(price), "supplier": supplier, **attrs}

    paper, office, light, home = "Chenming Paper Co.", "Deli Office Supplies", "Opple Lighting", "Gree Electric"
    return [
        item("PAP-A4-V", "A4 copy paper, virgin pulp, 70 g", "A4 复印纸（原生木浆）70克", "paper", "ream", "24.00", paper),
        item("PAP-A4-R", "A4 copy paper, 100% recycled, 70 g", "A4 再生复印纸 70克", "paper", "ream", "26.00", paper,
             recyclable=True, recycled_content_pct=100, green_listed=True),
        item("TON-88A-N", "Toner cartridge 88A, new original", "88A 原装新硒鼓", "toner", "piece", "420.00", office),
        item("TON-88A-R", "Toner cartridge 88A, remanufactured", "88A 再制造硒鼓", "toner", "piece", "160.00", office,
             recyclable=True, remanufactured=True, green_listed=True),
        item("TAB-CUP-P", "Disposable plastic cups (50)", "一次性塑料杯（50只）", "tableware", "pack", "9.00", office,
             single_use=True, plastic=True),
        item("TAB-CUP-C", "Ceramic mug", "陶瓷杯", "tableware", "piece", "12.00", office, recyclable=True, green_listed=True),
        item("LGT-T8-F", "T8 fluorescent tube 36 W", "T8 荧光灯管 36W", "lighting", "piece", "15.00", light),
        item("LGT-T8-L", "T8 LED tube 18 W", "T8 LED 灯管 18W", "lighting", "piece", "28.00", light,
             recyclable=True, led=True, energy_grade=1, green_listed=True),
        item("APP-AC-3", "Split air conditioner 1.5 HP, energy grade 3", "1.5匹分体空调（三级能效）", "appliance", "set",
             "2600.00", home, energy_grade=3, recyclable=True),
        item("APP-AC-1", "Split air conditioner 1.5 HP, energy grade 1", "1.5匹分体空调（一级能效）", "appliance", "set",
             "3200.00", home, energy_grade=1, recyclable=True, green_listed=True),
        item("PLB-TAP-O", "Basin tap, standard", "普通面盆水龙头", "plumbing", "piece", "65.00", "Jiumu Sanitary"),
        item("PLB-TAP-W", "Basin tap, water-saving aerator", "节水型面盆水龙头", "plumbing", "piece", "88.00",
             "Jiumu Sanitary", water_saving=True, recyclable=True, green_listed=True),
        item("STA-PEN-G", "Gel pen, refillable", "可换芯中性笔", "stationery", "piece", "3.50", office,
             recyclable=True, green_listed=True),
        item("STA-NB-R", "Notebook, recycled paper", "再生纸笔记本", "stationery", "piece", "6.00", office,
             recyclable=True, recycled_content_pct=80, green_listed=True),
        item("CLN-BAG-P", "Garbage bags, plastic (100)", "塑料垃圾袋（100只）", "cleaning", "pack", "18.00", office,
             single_use=True, plastic=True),
        item("CLN-BAG-B", "Garbage bags, biodegradable (100)", "可降解垃圾袋（100只）", "cleaning", "pack", "32.00",
             office, single_use=True, plastic=True, biodegradable=True, green_listed=True),
        item("CLN-CLOTH", "Microfibre cleaning cloth, washable", "可水洗超细纤维抹布", "cleaning", "piece", "5.00",
             office, recyclable=True, green_listed=True),
    ]
