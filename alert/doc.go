// Package alert is the alerting side of childmatch: the posts that act on alerts (RPF and GRP posts,
// Childline desks, control rooms), the areas they cover, and, as it grows, the alerts raised for missing
// children and their delivery (README: posts and alerts). Who may manage posts is the root's access
// table; where posts are kept is the root's PostStore.
package alert
