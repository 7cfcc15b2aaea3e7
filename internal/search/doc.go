// Package search is the service desk's single, context-aware search over
// everything a person may see: community questions and answers, knowledge
// articles, status posts and, for agents, tickets.
//
// The engine is an in-memory inverted index with BM25F ranking over three
// fields (title, tags, body), English stemming, typo tolerance against the
// indexed vocabulary, synonym and abbreviation expansion, weak expansions
// learned from resolved tickets, and re-ranking boosts for verified and
// accepted answers, helpfulness, freshness of status posts and the
// searcher's context (device, operating system, site and role).
//
// Permissions are enforced inside [Index.Search]: callers cannot forget them.
// Content is searchable as soon as [Index.Upsert] returns.
package search

import "time"

// Document types understood by the index.
const (
	TypeQuestion = "question"
	TypeAnswer   = "answer"
	TypeArticle  = "article"
	TypeStatus   = "status"
	TypeTicket   = "ticket"
)

// Doc is one searchable item. The pair (Type, ID) identifies it.
type Doc struct {
	// Type is one of the Type* constants.
	Type string
	// ID is unique within Type.
	ID string
	// Title and Body are plain text; Title is weighted higher when ranking.
	Title, Body string
	// Tags are short labels; they rank between title and body.
	Tags []string
	// Applies says for which devices, systems, sites, roles and services
	// the content is meant. An empty Applicability applies everywhere.
	Applies Applicability
	// Verified marks content checked by IT; Accepted marks an answer
	// accepted by the person who asked.
	Verified, Accepted bool
	// Helpful and Unhelpful are vote counts from readers.
	Helpful, Unhelpful int
	// Quarantined content is shown only to its author and to reviewers.
	Quarantined bool
	// AuthorID is the person who wrote the content.
	AuthorID int64
	// AgentsOnly content is shown only to service desk agents.
	AgentsOnly bool
	// OwnerID is, for tickets, the requester, who may see the ticket.
	OwnerID int64
	// DuplicateOf, when set, is the ID of the question this one duplicates
	// (of the same Type); search results lead to the original instead.
	DuplicateOf string
	// UpdatedAt is the last change; it drives freshness of status posts.
	UpdatedAt time.Time
}

// Applicability lists where content applies. Each include list that is
// empty means "any"; Exclude lists name values for which the content is
// known to be wrong. Values are compared case-insensitively.
type Applicability struct {
	// Devices are device classes or products: phone, tablet, laptop,
	// desktop, ipad, iphone.
	Devices []string
	// OS are operating systems as in Context.OS; content for "ios" also
	// applies to "ipados".
	OS []string
	// Sites are the organisation's site names; Roles are roles such as
	// employee, visitor or contractor.
	Sites, Roles []string
	// Services name the business services concerned. They are kept for
	// callers and not used in ranking yet.
	Services []string
	// ExcludeDevices, ExcludeOS, ExcludeSites and ExcludeRoles name values
	// for which the content must be demoted.
	ExcludeDevices, ExcludeOS, ExcludeSites, ExcludeRoles []string
}

// Viewer is the person searching; it decides what they may see.
type Viewer struct {
	// ID is the person's user id (0 for anonymous).
	ID int64
	// Agent is true for service desk agents, who may see tickets and
	// agents-only content.
	Agent bool
	// Reviewer is true for moderators, who may see quarantined content.
	Reviewer bool
}

// Query is one search request.
type Query struct {
	// Text is what the person typed. Context phrases in it ("on my iPad",
	// "at the Lyon office") are not used as search terms when the caller
	// has extracted them with ExtractContext first.
	Text string
	// Context is the searcher's situation, used to boost fitting content.
	Context Context
	// Types restricts results to these document types (empty means all).
	Types []string
	// Limit is the maximum number of results (default 10).
	Limit int
	// Viewer is the person searching.
	Viewer Viewer
	// Broaden adds terms prominent in the first results to the query
	// (pseudo-relevance feedback), finding items about the same topic
	// rather than the same question, as for a "related tickets" list. It
	// roughly doubles the query time.
	Broaden bool
	// MinShare, when above zero, drops the results that score under this
	// share of the best one: the tail a few common or loosely related
	// words brought in, which a person reading the list would take for
	// noise. Total then counts what is left.
	MinShare float64
}

// Result is one ranked hit.
type Result struct {
	Type, ID, Title, Snippet string
	// Score is the final ranking score; higher is better.
	Score float64
	// Reasons explain in plain words why the item ranks where it does,
	// for example "verified by IT" or "typo: vpm→vpn".
	Reasons []string
}

// Results is the answer to a Query.
type Results struct {
	// Items are the best results, best first, at most Query.Limit.
	Items []Result
	// Context is the context the ranking used, including values found in
	// the query text, with the source of each value.
	Context Context
	// Total is the number of visible matching documents before the limit.
	Total int
}

// canSee reports whether v may see d.
func canSee(d *Doc, v Viewer) bool {
	if d.Quarantined && !v.Reviewer && (v.ID == 0 || v.ID != d.AuthorID) {
		return false
	}
	if d.Type == TypeTicket {
		return v.Agent || (v.ID != 0 && v.ID == d.OwnerID)
	}
	if d.AgentsOnly && !v.Agent {
		return false
	}
	return true
}
