// The System Console editor of the plugin configuration, one file per section.
export {default} from './editor';
export {parseConfig} from './model';
export {SERVICE_TYPES, supportsReasoning, supportsWebSearch} from '../../providers';
