#!/usr/bin/env python3
"""Writes SIZE_MB of deterministic mixed text for the tokenizer benchmark: source code,
prose in several scripts (Latin with diacritics, Cyrillic, Greek, CJK, Arabic, Devanagari,
Thai), numbers, URLs, emoji, contractions in mixed case and runs of whitespace.

    python3 bench/gen_mixed_text.py OUT SIZE_MB
"""
import random
import sys

rng = random.Random(42)

PROSE = {
    "english": "The committee didn't approve the budget, but they'll revisit it next week. It's THE END of an era, ISN'T it? "
               "We've seen prices rise by 12.5% since 2019; analysts say they're unlikely to fall.",
    "french": "L'économie française a progressé de 0,8 % au troisième trimestre, selon l'Insee. C'était prévu.",
    "german": "Die Straßenbahn fährt heute nicht über die Brücke, weil Bauarbeiten länger dauern als geplant.",
    "spanish": "¿Dónde está la estación? Está a tres cuadras, junto a la panadería de Doña Inés.",
    "russian": "Москва — столица России. В 2024 году население города превысило 13 миллионов человек.",
    "greek": "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας και μία από τις αρχαιότερες πόλεις του κόσμου.",
    "chinese": "北京是中华人民共和国的首都，也是全国的政治、文化和国际交往中心。今天天气很好。",
    "japanese": "東京は日本の首都です。カタカナとひらがなと漢字が混ざった文章を書きます。",
    "korean": "서울은 대한민국의 수도이며 가장 큰 도시입니다. 오늘은 날씨가 맑습니다.",
    "arabic": "القاهرة هي عاصمة مصر وأكبر مدنها، ويبلغ عدد سكانها أكثر من عشرين مليون نسمة.",
    "hindi": "नई दिल्ली भारत की राजधानी है। यहाँ कई ऐतिहासिक इमारतें हैं।",
    "thai": "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย มีประชากรประมาณแปดล้านคน",
}
CODE = [
    "def fibonacci(n: int) -> int:\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "for (let i = 0; i < items.length; i++) {\n\tconsole.log(`item ${i}: ${items[i].name}`);\n}\n",
    "SELECT id, name, created_at FROM users WHERE email LIKE '%@example.com' ORDER BY created_at DESC LIMIT 100;\n",
    "fn main() -> Result<(), Box<dyn Error>> {\n    let data = std::fs::read_to_string(\"input.txt\")?;\n    println!(\"{}\", data.len());\n    Ok(())\n}\n",
    "struct Point { var x: Double; var y: Double }\nlet origin = Point(x: 0, y: 0) // the centre\n",
    "<div class=\"card\"><a href=\"https://example.com/path?q=1&r=2\">Link</a></div>\n",
    "{\"id\": 12345, \"tags\": [\"alpha\", \"beta\"], \"price\": 19.99, \"ok\": true}\n",
]
EMOJI = ["😀", "👍🏽", "🇫🇷", "👨‍👩‍👧‍👦", "🔥", "🎉", "❤️", "🤖", "☕"]
EXTRA = ["https://www.example.org/a/b/c?x=1#frag", "user@example.com", "3.14159265358979", "1,234,567.89",
         "    indented    text\twith\ttabs", "\n\n\n", "I'M SURE YOU'LL LIKE IT", "don't, won't, shouldn't've",
         "CamelCaseIdentifierWithHTTPServer", "snake_case_variable_name", "ALLCAPS", "x = y + z * (a - b) / c"]


def chunk():
    kind = rng.random()
    if kind < 0.45:
        text = PROSE[rng.choice(list(PROSE))]
    elif kind < 0.75:
        text = rng.choice(CODE)
    elif kind < 0.9:
        text = rng.choice(EXTRA)
    else:
        text = " ".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 4)))
    return text + rng.choice([" ", " ", "\n", "\n\n", "  "])


def main():
    out, size = sys.argv[1], int(sys.argv[2]) * 1_000_000
    written = 0
    with open(out, "w", encoding="utf-8") as handle:
        parts = []
        while written < size:
            piece = chunk()
            parts.append(piece)
            written += len(piece.encode("utf-8"))
            if len(parts) >= 10000:
                handle.write("".join(parts))
                parts = []
        handle.write("".join(parts))
    print(f"wrote {out} ({written / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
