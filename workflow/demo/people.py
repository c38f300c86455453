"""Demo people: the office's departments and one or two users of every role."""
from __future__ import annotations

DEMO_DEPARTMENTS = [
    ("GEN", "General Office", "综合办公室", 12),
    ("FIN", "Finance Section", "财务股", 6),
    ("LOG", "Logistics Services", "机关事务股", 8),
]
DEMO_USERS = [
    ("staff1", "staff", "GEN", "Li Ming", "zh"), ("staff2", "staff", "FIN", "Wang Fang", "en"),
    ("head1", "dept_head", "GEN", "Zhang Wei", "zh"), ("head2", "dept_head", "FIN", "Chen Jing", "en"),
    ("logistics", "logistics", "LOG", "Zhao Qiang", "zh"), ("buyer", "procurement", "LOG", "Liu Yang", "en"),
    ("fleet", "fleet", "LOG", "Sun Hao", "en"), ("driver1", "driver", "LOG", "Zhou Jun", "zh"),
    ("driver2", "driver", "LOG", "Ma Lin", "zh"),
    ("finance", "finance", "FIN", "Wu Min", "en"), ("admin", "admin", "GEN", "Administrator", "en"),
]
