"""The shared kernel every domain builds on: who (``org``), when (``clock``), what happened
(``audit``) and what things are called (``labels``).

Layer rule (docs/architecture.md): ``qingshan.core`` imports only :mod:`qingshan.exact`,
:mod:`qingshan.config`, :mod:`qingshan.standards.editions` (edition codes) and the declarative base
:mod:`qingshan.store.base`; never a domain, never :mod:`qingshan.web`. No module here sees an
HTTP request: the web builds an :class:`qingshan.core.audit.AuditContext` and passes it down.
"""
