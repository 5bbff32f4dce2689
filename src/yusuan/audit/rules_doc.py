"""The rule catalog as Markdown (docs/rules.md is generated from it, never edited by hand)."""

from __future__ import annotations

from yusuan.audit.rules import load_rules

_SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}


def rules_markdown() -> str:
    rules = load_rules()
    lines = [
        "# 审核规则目录",
        "",
        "由 `yusuan rules --markdown` 生成，请勿手工修改。每条规则有稳定的编号（`rule`），",
        "审核结果中的每条发现都注明它来自哪条规则。",
        "",
    ]
    family = None
    for rule in sorted(rules.values(), key=lambda r: (r.family, r.id)):
        if rule.family != family:
            family = rule.family
            lines += [f"## {family}", ""]
        lines += [
            f"### `{rule.id}`（{_SEVERITY[rule.severity]}）",
            "",
            f"- 检查：{rule.title}",
            f"- 原因：{rule.why}",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"
