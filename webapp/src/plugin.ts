import ConfigPlaceholder from './components/config_placeholder';
import type {PluginRegistry} from './types';

export default class Plugin {
    // The Redux store is unused until features need server state.
    public initialize(registry: PluginRegistry, _store?: unknown): void {
        // Matches the `custom` setting with key "Config" in plugin.json.
        registry.registerAdminConsoleCustomSetting('Config', ConfigPlaceholder, {showTitle: true});
    }
}
