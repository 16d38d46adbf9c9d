"""Text rules that feeds, pages and records share: one function per rule.

- `decoding`: bytes -> str (BOM, UTF-16/32 without BOM, a declared charset, the per-byte
  windows-1252 fallback). Feeds and pages differ only in where the declaration comes from.
- `names`: one string naming several people -> the names.
- `cut`: a text cut at a word to fit a limit, marked with an ellipsis.
- `plain`: a field that may hold HTML (title, summary, tag, name) -> plain text, markup-free.
- `lang`: a language as a page or feed spells it -> a BCP 47 tag (`en_GB` -> `en-GB`).
"""
