"""A built-in taxonomy of common drive categories, and picking names from it (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from drive_tagger.core.unit import unit_rows


@dataclass(frozen=True)
class Label:
    name: str  # what a filter is called
    kinds: tuple[str, ...]  # kinds of files it covers, each embedded on its own

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.name, *self.kinds)


# Kinds of files people and teams keep in a shared drive. Each kind is embedded separately and a
# label fits as well as its best kind does: one vector of a long list of kinds lands between
# them all, near none (measured: "Engineering" ranked below "Customer Support" for engineering
# documents that way).
TAXONOMY: tuple[Label, ...] = tuple(
    Label(n, tuple(k.strip() for k in t.split(";")))
    for n, t in (
        ("Legal", "contracts; agreements; NDAs; terms and conditions; licences; compliance; litigation"),
        ("Finance", "budgets; accounting; financial statements; revenue and profit; forecasts; investments"),
        ("Invoices", "invoices; receipts; purchase orders; payments; billing; VAT"),
        ("Taxes", "tax returns; tax filings; tax deductions; payroll tax"),
        ("HR", "human resources; hiring; onboarding; employee policies; leave; employee benefits; performance reviews"),
        ("Recruiting", "job descriptions; job candidates; job interviews; CVs; resumes; job offers"),
        ("Sales", "sales proposals; price quotes; customer accounts; sales deals; sales pipeline; renewals"),
        ("Marketing", "marketing campaigns; brand; advertising; social media; SEO; newsletters; product launches"),
        ("Customer Support", "customer support tickets; customer complaints; help desk replies; refunds; FAQs"),
        (
            "Engineering",
            "software engineering; system architecture; source code; APIs; databases; deployments; runbooks; "
            "incident postmortems",
        ),
        (
            "IT and Security",
            "IT systems; security reviews; passwords; access control; devices; networks; cyber attacks",
        ),
        ("Technology", "technology; computers; internet; software; gadgets; mobile phones; digital services"),
        ("Product", "product roadmap; product features; requirements; specifications; releases; user research"),
        ("Design", "design; mockups; user interface; graphics; branding assets; prototypes"),
        ("Research", "research papers; scientific studies; experiments; data analysis; findings; science"),
        ("Operations", "operations; logistics; supply chain; business processes; facilities; vendors; procurement"),
        ("Strategy", "business strategy; business plans; company goals; OKRs; board decisions; competitors"),
        ("Meetings", "meeting notes; minutes; meeting agendas; action items; weekly syncs; retrospectives"),
        ("Projects", "project plans; project timelines; milestones; status reports; project tasks"),
        ("Travel", "travel bookings; flights; hotels; itineraries; visas; trips"),
        ("Events", "events; conferences; trade shows; venues; invitations; event schedules"),
        ("Health", "health; medical records; doctors; health insurance claims; fitness; wellbeing"),
        ("Education", "education; courses; schools; universities; training; lessons; students"),
        ("Real Estate", "real estate; property; leases; rent; mortgages; buildings; tenants"),
        ("Insurance", "insurance policies; insurance claims; insurance cover; premiums"),
        ("Business", "business news; companies; markets; shares; profits; economy; mergers"),
        ("Government and Politics", "government; politics; elections; public policy; parliament; regulation"),
        ("Sports", "sports; matches; sports teams; players; tournaments; football clubs; athletes"),
        ("Entertainment", "films; music; television; celebrities; shows; awards; video games; books"),
        ("Media and Press", "press releases; media coverage; press interviews; publications; communications"),
        ("Family and Personal", "personal documents; family; home; personal letters; identity documents"),
        ("Recipes and Food", "recipes; cooking; restaurants; menus; food"),
        ("Photos and Media Files", "photos; images; videos; recordings; albums"),
    )
)


def prototype_texts(labels: Sequence[Label] = TAXONOMY) -> tuple[list[str], np.ndarray]:
    """Every text to embed (each label's name and kinds), and the label each belongs to."""
    texts = [t for label in labels for t in label.texts]
    owner = np.repeat(np.arange(len(labels)), [len(label.texts) for label in labels])
    return texts, owner


@dataclass(frozen=True)
class TaxonomyFit:
    """How well each label fits a category: a cosine, and how far it stands out from the labels'
    typical fit (in standard deviations)."""

    similarity: np.ndarray
    standing: np.ndarray


def fit_labels(
    prototype_vectors: np.ndarray, owner: np.ndarray, centroid: np.ndarray, center: np.ndarray | None = None
) -> TaxonomyFit:
    """Per label: the best cosine of its prototypes (name and kinds) to the centroid, both taken
    relative to their own mean (the prototypes' mean, and `center`, e.g. the mean of the
    workspace's centroids). Without centering, a few "hub" labels are nearest to almost every
    business document; what sets a category apart from the rest of its workspace is what should
    name it."""
    prototypes = unit_rows(prototype_vectors - prototype_vectors.mean(axis=0))
    target = centroid - center if center is not None else centroid
    each = prototypes @ unit_rows(target[None])[0]
    similarity = np.full(owner.max() + 1, -np.inf)
    np.maximum.at(similarity, owner, each)
    spread = similarity.std() or 1.0
    return TaxonomyFit(similarity, (similarity - np.median(similarity)) / spread)


def phrases_agree(
    prototype_vectors: np.ndarray,
    owner: np.ndarray,
    label: int,
    centroid: np.ndarray,
    phrase_vectors: np.ndarray,
    *,
    min_ratio: float = 0.65,
    max_rank: int = 2,
) -> bool:
    """Whether the filter's own keyphrases (best first) bear a label out. Fitting the centroid
    relative to the workspace is not enough: on a collection far from every label (Python or
    kernel documentation) some label always stands out, and "Real Estate" named the filter of
    classes and properties. Measured on news, the demo drive and technical documentation, the
    label's cosine to the centroid as a share of the best of the top five phrases' is 0.68-1.3
    for true fits and 0.18-0.82 for misfits, so a label
    - stands on its own when it is as near the centre as the filter's best phrases (share >= 1);
    - stands, from min_ratio of their cosine up, when the phrases themselves point to it: it is
      among the max_rank + 1 labels nearest them (each phrase's best cosine to a label's texts,
      weighted by 1/rank);
    - falls below min_ratio."""
    if not len(phrase_vectors):
        return False
    prototypes = unit_rows(prototype_vectors)
    phrases = unit_rows(phrase_vectors)
    center = unit_rows(centroid[None])[0]
    label_fit = float((prototypes[owner == label] @ center).max())
    phrase_fit = float((phrases[:5] @ center).max())
    if label_fit >= phrase_fit:
        return True
    if label_fit < min_ratio * phrase_fit:
        return False
    each = phrases @ prototypes.T  # phrases x prototypes
    per_label = np.full((owner.max() + 1, len(phrases)), -np.inf)
    for index in range(owner.max() + 1):
        per_label[index] = each[:, owner == index].max(axis=1)
    weights = 1.0 / np.arange(1, len(phrases) + 1)
    agreement = per_label @ weights / weights.sum()
    return int((agreement > agreement[label]).sum()) <= max_rank


def sets_apart(
    prototype_vectors: np.ndarray,
    owner: np.ndarray,
    label: int,
    centroid: np.ndarray,
    center: np.ndarray,
    *,
    min_contrast: float = 0.04,
) -> bool:
    """Whether a label fits the filter clearly better than the drive as a whole (its best cosine
    to the filter's centroid exceeds that to `center`, the mean of the drive's centroids, by
    min_contrast). A label that fits every filter of a drive names none of them: on newswire
    that is all business, "Business" and "Finance" named two filters of acquisitions and of
    earnings, and "Engineering" one filter of kernel documentation. Measured with this mean:
    true fits on AG News and the demo drive 0.053-0.22 (BBC 0.14-0.28 against the mean document),
    those misfits -0.05-0.03."""
    prototypes = unit_rows(prototype_vectors[owner == label])
    own = float((prototypes @ unit_rows(centroid[None])[0]).max())
    drive = float((prototypes @ unit_rows(center[None])[0]).max())
    return own - drive >= min_contrast


def taxonomy_candidates(
    fit: TaxonomyFit,
    keywords: Sequence[str],
    *,
    labels: Sequence[Label] = TAXONOMY,
    min_standing: float = 1.5,
    min_similarity: float = 0.2,
    pair_gap: float = 0.03,
    borne_out: Callable[[int], bool] = lambda label: True,
) -> list[str]:
    """Names from the labels that fit the category well, best first.

    A label fits when its similarity reaches min_similarity and stands min_standing deviations
    above the typical label's.
    The best one alone; then, with a second fitting label within pair_gap cosine that the
    filter's own keyphrases bear out too (borne_out, by label index), the pair ("Legal and
    Finance"); then the best label with one of the category's top keywords, so two
    categories of one kind still get distinct names ("Sports: Rugby"). Empty when nothing fits.
    """
    order = np.argsort(-fit.similarity, kind="stable")
    fitting = [int(i) for i in order[:3] if fit.standing[i] >= min_standing and fit.similarity[i] >= min_similarity]
    if not fitting:
        return []
    best = labels[fitting[0]].name
    names = [best]
    close = len(fitting) > 1 and fit.similarity[fitting[0]] - fit.similarity[fitting[1]] <= pair_gap
    if close and borne_out(fitting[1]):
        names.append(f"{best} and {labels[fitting[1]].name}")
    words = [k if k != k.lower() else k.title() for k in keywords[:3] if k.strip() and k.lower() not in best.lower()]
    names += [f"{best}: {w}" for w in words]
    return names
