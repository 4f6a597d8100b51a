"""A built-in taxonomy of common drive categories, and picking names from it (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import normalize


@dataclass(frozen=True)
class Label:
    name: str  # what a filter is called
    text: str  # what is embedded: the name with the kinds of files it covers


# Kinds of files people and teams keep in a shared drive; each text lists typical contents so
# its vector lands where such documents do.
TAXONOMY: tuple[Label, ...] = tuple(
    Label(n, f"{n}: {t}")
    for n, t in (
        ("Legal", "contracts, agreements, NDAs, terms and conditions, licences, compliance, litigation"),
        ("Finance", "budgets, accounting, financial statements, revenue, profit, forecasts, investment, markets"),
        ("Invoices", "invoices, receipts, purchase orders, payments, billing, expenses, VAT"),
        ("Taxes", "tax returns, tax filings, deductions, payroll tax, HMRC, IRS"),
        ("HR", "human resources, hiring, onboarding, employee policies, leave, benefits, performance reviews"),
        ("Recruiting", "job descriptions, candidates, interviews, CVs, resumes, offers"),
        ("Sales", "sales proposals, quotes, customers, deals, pipeline, accounts, renewals"),
        ("Marketing", "marketing campaigns, brand, advertising, social media, SEO, newsletters, launches"),
        ("Customer Support", "customer support tickets, complaints, help desk replies, refunds, FAQs"),
        (
            "Engineering",
            "software engineering, architecture, code, APIs, databases, deployments, runbooks, incident postmortems",
        ),
        ("IT and Security", "IT systems, security reviews, passwords, access, devices, networks, cyber attacks"),
        ("Technology", "technology, computers, internet, software, gadgets, mobile phones, digital services"),
        ("Product", "product roadmap, features, requirements, specifications, releases, user research"),
        ("Design", "design, mockups, user interface, graphics, branding assets, prototypes"),
        ("Research", "research papers, studies, experiments, data analysis, findings, science"),
        ("Operations", "operations, logistics, supply chain, processes, facilities, vendors, procurement"),
        ("Strategy", "business strategy, plans, goals, OKRs, board decisions, competition, market analysis"),
        ("Meetings", "meeting notes, minutes, agendas, action items, weekly syncs, retrospectives"),
        ("Projects", "project plans, timelines, milestones, status reports, tasks"),
        ("Travel", "travel bookings, flights, hotels, itineraries, visas, trips, expenses abroad"),
        ("Events", "events, conferences, trade shows, venues, invitations, schedules"),
        ("Health", "health, medical records, doctors, insurance claims, fitness, wellbeing"),
        ("Education", "education, courses, schools, universities, training, lessons, students"),
        ("Real Estate", "real estate, property, leases, rent, mortgages, buildings, tenants"),
        ("Insurance", "insurance policies, claims, cover, premiums"),
        ("Government and Politics", "government, politics, elections, policy, parliament, regulation, public sector"),
        ("Sports", "sports, matches, teams, players, tournaments, clubs, training sessions"),
        ("Entertainment", "films, music, television, celebrities, shows, awards, games, books"),
        ("Media and Press", "press releases, media coverage, interviews, publications, communications"),
        ("Family and Personal", "personal documents, family, home, letters, identity documents"),
        ("Recipes and Food", "recipes, cooking, restaurants, menus, food"),
        ("Photos and Media Files", "photos, images, videos, recordings, albums"),
    )
)


@dataclass(frozen=True)
class TaxonomyFit:
    """How well each label fits a category: a cosine, and how far it stands out from the labels'
    typical fit (in standard deviations)."""

    similarity: np.ndarray
    standing: np.ndarray


def fit_labels(label_vectors: np.ndarray, centroid: np.ndarray, center: np.ndarray | None = None) -> TaxonomyFit:
    """Cosine of each label to the centroid, both taken relative to their own mean (the labels'
    mean, and `center`, e.g. the mean of the workspace's centroids). Without centering, a few
    "hub" labels are nearest to almost every business document; what sets a category apart
    from the rest of its workspace is what should name it."""
    labels = normalize(label_vectors - label_vectors.mean(axis=0))
    target = centroid - center if center is not None else centroid
    similarity = labels @ normalize(target[None])[0]
    spread = similarity.std() or 1.0
    return TaxonomyFit(similarity, (similarity - np.median(similarity)) / spread)


def taxonomy_candidates(
    fit: TaxonomyFit,
    keywords: Sequence[str],
    *,
    labels: Sequence[Label] = TAXONOMY,
    min_standing: float = 2.0,
    min_similarity: float = 0.2,
    pair_gap: float = 0.03,
) -> list[str]:
    """Names from the labels that fit the category well, best first.

    A label fits when its similarity reaches min_similarity and stands min_standing deviations
    above the typical label's.
    The best one alone; with a second fitting label within pair_gap cosine, the pair ("Legal
    and Finance") comes first. Then the best label with the category's top keyword, so two
    categories of one kind still get distinct names ("Sports: Rugby"). Empty when nothing fits.
    """
    order = np.argsort(-fit.similarity, kind="stable")
    fitting = [int(i) for i in order[:3] if fit.standing[i] >= min_standing and fit.similarity[i] >= min_similarity]
    if not fitting:
        return []
    best = labels[fitting[0]].name
    names = [best]
    if len(fitting) > 1 and fit.similarity[fitting[0]] - fit.similarity[fitting[1]] <= pair_gap:
        names.insert(0, f"{best} and {labels[fitting[1]].name}")
    words = [k.title() for k in keywords[:3] if k.strip() and k.lower() not in best.lower()]
    names += [f"{best}: {w}" for w in words]
    return names
