package delivery

import (
	"context"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"childmatch"
)

// PostCache is a PostStore that keeps the posts it reads or walks for ComposeCacheTTL, so that an alert's
// targeting (which walks every post), its fan-out (which reads each post it is for) and the attempts
// (the post's name on its card, the webhook Sender's secrets) read each post once. Changes through it
// take effect at once; another replica's are seen within ComposeCacheTTL.
type PostCache struct {
	posts childmatch.PostStore
	cache *expirable.LRU[childmatch.ID, *childmatch.Post]
}

var _ childmatch.PostStore = (*PostCache)(nil)

// CachePosts returns a cache in front of posts.
func CachePosts(posts childmatch.PostStore) *PostCache {
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

// WalkPosts walks the store's posts, keeping each.
func (c *PostCache) WalkPosts(ctx context.Context, fn func(*childmatch.Post) (bool, error)) error {
	return c.posts.WalkPosts(ctx, func(p *childmatch.Post) (bool, error) {
		c.cache.Add(p.ID, p)
		return fn(p)
	})
}

func (c *PostCache) CreatePost(ctx context.Context, p *childmatch.Post) error {
	return c.posts.CreatePost(ctx, p)
}

func (c *PostCache) UpdatePost(ctx context.Context, id childmatch.ID, fn func(*childmatch.Post) error) (*childmatch.Post, error) {
	c.cache.Remove(id)
	return c.posts.UpdatePost(ctx, id, fn)
}

func (c *PostCache) DeletePost(ctx context.Context, id childmatch.ID) error {
	c.cache.Remove(id)
	return c.posts.DeletePost(ctx, id)
}
