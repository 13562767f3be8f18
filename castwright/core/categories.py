"""Apple Podcasts' categories: the only values `itunes:category` may take (Apple's list since
2019, which Spotify and the other directories read too). A show names one as `Technology` or
`Parent > Subcategory`, e.g. `News > Tech News`."""

from __future__ import annotations

APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing",
                 "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition",
                         "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
                "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
             "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism",
                                "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
                "Natural Sciences", "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel",
                          "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
               "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
               "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip


def split_category(category: str) -> tuple[str, str]:
    """'News > Tech News' -> ('News', 'Tech News'); 'Technology' -> ('Technology', '')."""
    parent, _, sub = (part.strip() for part in category.partition(">"))
    return parent, sub


def category_problem(parent: str, sub: str = "") -> str | None:
    """Why Apple would refuse this category (None: it is on Apple's list)."""
    if parent not in APPLE_CATEGORIES:
        return (f"{parent!r} is not one of Apple's categories; use one of: "
                f"{', '.join(APPLE_CATEGORIES)}")  # fmt: skip
    subs = APPLE_CATEGORIES[parent]
    if sub and sub not in subs:
        valid = ", ".join(subs) if subs else "none: name the category alone"
        return f"{sub!r} is not a subcategory of {parent!r}; its subcategories: {valid}"
    return None
