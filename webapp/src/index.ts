import {PLUGIN_ID} from './manifest';
import Plugin from './plugin';

window.registerPlugin(PLUGIN_ID, new Plugin());
