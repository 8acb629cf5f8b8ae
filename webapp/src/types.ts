import type React from 'react';

// Only the subset of Mattermost's PluginRegistry that this plugin calls; the
// full registry is untyped at runtime, so a narrow interface keeps us honest.
export interface PluginRegistry {
    registerAdminConsoleCustomSetting(
        key: string,
        component: React.ComponentType<AdminCustomSettingProps>,
        options?: {showTitle?: boolean},
    ): void;
}

// Props Mattermost passes to an admin console custom setting. Most are unused
// for now but listed so later settings UI can rely on them.
export interface AdminCustomSettingProps {
    id: string;
    label?: string;
    helpText?: React.ReactNode;
    value?: unknown;
    disabled?: boolean;
    setByEnv?: boolean;
    onChange?: (id: string, value: unknown) => void;
    setSaveNeeded?: () => void;
}

export interface PluginVersion {
    id: string;
    version: string;
    transport: string;
}

declare global {
    interface Window {
        registerPlugin(id: string, plugin: unknown): void;
        // Set by Mattermost when it is served under a subpath (e.g. "/chat").
        basename?: string;
    }
}
