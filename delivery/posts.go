package delivery

import (
	"context"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"childmatch"
)

// PostReader reads a post: what the outbox and the channels need of the post store.
type PostReader interface {
	Post(ctx context.Context, id childmatch.ID) (*childmatch.Post, error)
}

// PostCache keeps the posts read for ComposeCacheTTL, so a fan-out's attempts read each post once: the
// outbox composing (the post's name on its card) and the webhook Sender (its secrets) share one.
type PostCache struct {
	posts PostReader
	cache *expirable.LRU[childmatch.ID, *childmatch.Post]
}

// CachePosts returns a cache in front of posts.
func CachePosts(posts PostReader) *PostCache {
	return &PostCache{posts: posts, cache: expirable.NewLRU[childmatch.ID, *childmatch.Post](childmatch.MaxPosts, nil, childmatch.ComposeCacheTTL)}
}

// Post reads a post, from the cache when it was read within ComposeCacheTTL.
func (c *PostCache) Post(ctx context.Context, id childmatch.ID) (*childmatch.Post, error) {
	if p, ok := c.cache.Get(id); ok {
		return p, nil
	}
	p, err := c.posts.Post(ctx, id)
	if err != nil {
		return nil, err
	}
	c.cache.Add(id, p)
	return p, nil
}
