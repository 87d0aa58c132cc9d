"""Finding people and conversations: trending hashtags and posts, follow suggestions and the profile directory
(decision 0036). Reads only, each bounded; the one thing written is a dismissed suggestion (`social`)."""
