#!/usr/bin/env python3
"""Writes promptmill's sample inputs: reviews.csv (2,400 product reviews) and
articles.jsonl (300 short news articles). Deterministic: the same files on every run.

    python3 samples/generate.py
"""
import csv
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261123)

PRODUCTS = ["kettle", "toaster", "blender", "desk lamp", "headphones", "backpack", "coffee grinder",
            "office chair", "rice cooker", "e-reader", "garden hose", "yoga mat", "air fryer", "phone case",
            "electric toothbrush", "hiking boots", "water bottle", "bluetooth speaker", "wall clock", "duvet"]

POSITIVE = [
    "Great value for the money, and it arrived two days early.",
    "I love how quiet it is; my partner didn't even wake up.",
    "Excellent build quality — the hinges feel like they'll last for years.",
    "Perfect size for a small flat, and the colour matches the photos.",
    "Amazing battery life: I charge it once a week, at most.",
    "Fantastic customer service, they answered within the hour.",
    "Would recommend to anyone who wants something that just works.",
    "Best purchase I've made this year, hands down.",
    "Superb little gadget. Setup took five minutes, including coffee.",
    "Delighted with it; the \"premium\" version isn't worth the extra.",
    "Happy with the purchase, the instructions were clear and short.",
    "Wonderful design, simple, and easy to clean, even the corners.",
]
NEGATIVE = [
    "It broke after three weeks and the warranty process is a maze.",
    "Terrible smell of plastic that never went away, even after airing it out.",
    "Awful instructions, half the screws were missing, and the box was damaged.",
    "The handle is broken on arrival; I returned it the same day.",
    "Worst purchase this year: loud, slow, and it overheats.",
    "Disappointed. It looks nothing like the pictures, \"matte\" is actually glossy.",
    "Asked for a refund after the second time it shut itself off.",
    "Poor battery, useless app, and the Bluetooth drops every few minutes.",
    "What a waste of money; the bad seams split after one wash.",
    "I hate the beeping, and there's no way to turn it off.",
]
NEUTRAL = [
    "It does what the description says.",
    "Arrived on Tuesday, packaging was plain cardboard.",
    "Average product, nothing special, nothing wrong either.",
    "The colour is a bit darker than on my screen.",
    "Bought it as a gift, so I can't say much about daily use.",
    "Instructions are in six languages, including Portuguese.",
    "Slightly heavier than expected, about 2.3 kg.",
    "Fits on the shelf next to the microwave, just about.",
]
FOREIGN = [
    "Sehr gut verarbeitet, aber die Lieferung dauerte zwei Wochen. Great product though!",
    "Produit correct, un peu bruyant. Pas de quoi s'extasier.",
    "¡Me encanta! La mejor compra del año, I love it.",
    "とても使いやすいです。Excellent quality, would recommend.",
    "Très déçu, le couvercle est cassé. Terrible, returned it.",
    "Funktioniert, nichts Besonderes. Naïve me expected more.",
    "Il café è buono con questo macinino — perfect grind every time.",
    "Отличный чайник, рекомендую. Happy with it.",
]
EMOJI = ["👍", "😀", "🙄", "☕", "🔥", "💔", "⭐⭐⭐⭐⭐", "🤷"]
NAMES = ["my husband", "my daughter", "our café", "the office", "my flatmate", "grandma", "my team"]


def review_text(kind):
    pieces = []
    if kind == "positive":
        pieces = rng.sample(POSITIVE, rng.choice([1, 2, 2, 3])) + rng.sample(NEUTRAL, rng.choice([0, 1]))
    elif kind == "negative":
        pieces = rng.sample(NEGATIVE, rng.choice([1, 2, 2])) + rng.sample(NEUTRAL, rng.choice([0, 1]))
    elif kind == "mixed":
        pieces = [rng.choice(POSITIVE), rng.choice(NEGATIVE)]
    elif kind == "foreign":
        pieces = [rng.choice(FOREIGN)]
    else:
        pieces = rng.sample(NEUTRAL, rng.choice([1, 2, 3]))
    rng.shuffle(pieces)
    if rng.random() < 0.3:
        pieces.append(f"Bought it for {rng.choice(NAMES)}, {rng.choice(['twice', 'last spring', 'on sale', 'at full price'])}.")
    separator = "\n" if rng.random() < 0.12 else " "
    text = separator.join(pieces)
    if rng.random() < 0.15:
        text += " " + rng.choice(EMOJI)
    return text


def write_reviews(path, count=2400):
    kinds = ["positive"] * 38 + ["negative"] * 30 + ["neutral"] * 18 + ["mixed"] * 8 + ["foreign"] * 6
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(["review_id", "product", "rating", "text"])
        for number in range(1, count + 1):
            kind = rng.choice(kinds)
            rating = {"positive": rng.choice([4, 5, 5]), "negative": rng.choice([1, 1, 2]),
                      "neutral": 3, "mixed": rng.choice([2, 3, 4]), "foreign": rng.choice([2, 3, 4, 5])}[kind]
            writer.writerow([f"r-{number}", rng.choice(PRODUCTS), rating, review_text(kind)])


SECTIONS = ["science", "business", "culture", "sport", "technology", "travel"]
AUTHORS = [("Ana Souza", "Brazil"), ("Jonas Müller", "Germany"), ("Chloé Martin", "France"), ("Kenji Sato", "Japan"),
           ("Priya Nair", "India"), ("Liam O'Brien", "Ireland"), ("Zeynep Kaya", "Türkiye"), ("Sofía Pérez", "Spain")]
SUBJECTS = ["A regional rail line", "The city council", "A team of marine biologists", "A small bakery in Lyon",
            "The national football side", "A start-up making solar roof tiles", "Researchers at a Nordic university",
            "A museum in Kyoto", "The central bank", "A mountain village"]
VERBS = ["announced", "unveiled", "completed", "postponed", "reported", "celebrated", "tested", "defended"]
OBJECTS = ["a plan to cut travel times by a fifth", "record quarterly earnings", "the restoration of a 17th-century organ",
           "a new species of deep-sea coral", "its first overseas branch", "a prototype that stores heat in sand",
           "a pilot scheme for free public transport", "an exhibition of Edo-period woodblock prints",
           "a change to interest rates", "a festival that draws 40,000 visitors"]
DETAILS = ["Officials said the work would begin in the spring.", "Critics questioned the cost, put at €2.4 million.",
           "Local residents welcomed the news, though some worried about noise.",
           "The results were published on Tuesday in a peer-reviewed journal.",
           "Further details are expected at a press conference next week.",
           "Sales rose 12% compared with the same period last year.",
           "The decision followed months of consultation with local groups.",
           "Visitors can book tickets online from 1 March.",
           "\"We are proud of what the team achieved,\" a spokesperson said.",
           "Analysts described the figures as better than expected."]


def write_articles(path, count=300):
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(1, count + 1):
            subject, verb, obj = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)
            name, country = rng.choice(AUTHORS)
            body = " ".join([f"{subject} {verb} {obj} on {rng.choice(['Monday', 'Wednesday', 'Friday', 'Sunday'])}."]
                            + rng.sample(DETAILS, rng.choice([2, 3, 4])))
            record = {
                "id": f"a-{number}",
                "title": f"{subject} {verb} {obj}",
                "body": body,
                "section": rng.choice(SECTIONS),
                "author": {"name": name, "country": country},
                "published": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
                "words": len(body.split()),
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write_reviews(os.path.join(HERE, "reviews.csv"))
    write_articles(os.path.join(HERE, "articles.jsonl"))
    print("wrote samples/reviews.csv and samples/articles.jsonl")
