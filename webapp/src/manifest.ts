// Must match `id` in the repository's plugin.json: the server routes
// `/plugins/<id>/...` and the webapp looks plugins up by this id.
export const PLUGIN_ID = 'mattermost-ai';
