"""Each normalisation rule, pinned with real tags from the shared data (Billboard,
uspop2002, Eurovision) and the spellings an AI writes for them."""

from __future__ import annotations

import pytest

from plex_completer.matching.normalize import album_version, artist_keys, classify_suffix, credit_parts, title_key


@pytest.mark.parametrize(("a", "b"), [
    ("Beyoncé", "Beyonce"),                      # Billboard drops diacritics
    ("BEYONCÉ", "beyonce"),                      # case
    ("Mötley Crüe", "Motley Crue"),
    ("The Beatles", "beatles"),                  # uspop2002 "beatles"; leading "The"
    ("AC/DC", "ac dc"),                          # uspop2002 "ac dc"
    ("a-ha", "a ha"),
    ("R. Kelly", "r kelly"),
    ("Jay-Z", "Jay Z"),
    ("Earth, Wind & Fire", "Earth Wind and Fire"),  # "&" vs "and"
    ("Florence + The Machine", "Florence and the Machine"),  # "+"
    ("P!nk", "Pink"),
    ("Ke$ha", "Kesha"),
])
def test_artist_spellings_share_a_key(a, b):
    assert artist_keys(a)[0] == artist_keys(b)[0]


def test_featured_artists_give_the_main_artist_as_a_second_key():
    assert artist_keys("Beyonce Featuring Jay Z") == ("beyoncefeaturingjayz", "beyonce")
    assert artist_keys("Jay-Z feat. Beyoncé Knowles")[1] == "jayz"
    assert artist_keys("Marshmello x Bastille")[1] == "marshmello"
    assert artist_keys("Elvis Presley With The Jordanaires")[1] == "elvispresley"


@pytest.mark.parametrize("name", ["Mumford & Sons", "Earth, Wind & Fire", "Crosby, Stills, Nash & Young",
                                  "X Ambassadors", "Lil Nas X", "Malcolm X", "Florence + The Machine"])
def test_names_containing_split_words_stay_whole(name):
    assert len(artist_keys(name)) == 1  # no "main artist" cut out of a real name


def test_inverted_names_add_the_uninverted_form():
    assert "marvingaye" in artist_keys("Gaye, Marvin")
    assert artist_keys("Tyler, The Creator")[0] == "tylerthecreator"


def test_credit_parts_split_duos_and_features():
    assert credit_parts("Jay-Z & Beyoncé") == ("jayz", "beyonce")
    assert credit_parts("Lil Nas X Featuring Doja Cat") == ("lilnasx", "dojacat")


@pytest.mark.parametrize(("library", "suggested"), [
    ("Crazy In Love (feat. Jay Z)", "Crazy in Love"),         # feat. in the title
    ("Crazy In Love [ft. Jay Z]", "Crazy in Love feat. Jay-Z"),
    ("What U Want feat Beanie Sigel", "What U Want"),        # uspop2002, unbracketed
    ("There s No Me Without You", "There's No Me Without You"),  # uspop2002 lost apostrophes
    ("Don t Speak", "Don’t Speak"),                          # curly quote
    ("Un-break My Heart", "Unbreak My Heart"),
    ("Im Wartesaal Zum Großen Glück", "Im Wartesaal zum Grossen Gluck"),  # Eurovision
    ("Rock & Roll", "Rock and Roll"),
    ("Gummo [Explicit]", "Gummo"),
    ("My Sharona (From \"Reality Bites\")", "My Sharona"),
])
def test_title_spellings_share_a_key(library, suggested):
    assert title_key(library).key == title_key(suggested).key


@pytest.mark.parametrize(("title", "version"), [
    ("Hotel California - 2013 Remaster", "remaster"),
    ("Come Together (Remastered 2009)", "remaster"),
    ("Yesterday - Live at Budokan / 1966", "live"),
    ("Hey Ya! (Radio Edit)", "radio_edit"),
    ("Satisfaction (Single Version)", "single_version"),
    ("Love Story (Taylor's Version)", "taylors_version"),
    ("Layla (Acoustic)", "acoustic"),
    ("Hey Jude (Demo)", "demo"),
    ("Toxic (Karaoke Version)", "karaoke"),
    ("Toxic (Made Famous by Britney Spears)", "karaoke"),
    ("Blue Monday (Remix)", "remix"),
    ("Hotel California", None),
])
def test_version_suffixes_are_recognised_and_removed(title, version):
    key = title_key(title)
    assert key.version == version
    assert key.key == title_key(title.split(" (")[0].split(" - ")[0]).key


def test_brackets_that_are_part_of_the_title_are_kept_but_also_dropped_in_short():
    k = title_key("Don't You (Forget About Me)")
    assert k.key == "dontyouforgetaboutme" and k.short == "dontyou"
    assert title_key("(I Can't Get No) Satisfaction").short == "satisfaction"
    assert classify_suffix("forget about me") is None
    assert classify_suffix("part 1") is None  # "Make It Funky (Part 1)" is its own song


def test_dash_suffix_only_removed_when_it_names_a_version():
    assert title_key("Licking Stick - Licking Stick (Part 1)").key == "lickingsticklickingstickpart1"
    assert title_key("Sgt. Pepper's Lonely Hearts Club Band - Reprise").key.endswith("reprise")


@pytest.mark.parametrize(("album", "version"), [
    ("Live at Wembley", "live"), ("Stonewall Jackson Live", "live"), ("MTV Unplugged in New York", "live"),
    ("Live Through This", None), ("Greatest Hits", "best_of"), ("The Very Best of Beyoncé", "best_of"),
    ("Nevermind (Remastered)", "remaster"), ("Karaoke Hits 2004", "karaoke"), ("Dangerously In Love", None),
])
def test_album_titles_that_reveal_a_version(album, version):
    assert album_version(album) == version
