import {fireEvent, render} from '@testing-library/react';
import React from 'react';
import {afterEach, describe, expect, it} from 'vitest';

import Avatar, {profileImageURL} from './avatar';

afterEach(() => {
    window.basename = undefined;
});

describe('Avatar', () => {
    it("is the server's profile picture, with the picture's version only when it has one", () => {
        expect(profileImageURL('bot1', 0)).toBe('/api/v4/users/bot1/image');
        expect(profileImageURL('bot1', 1700000000000)).toBe('/api/v4/users/bot1/image?_=1700000000000');
        window.basename = '/chat';
        expect(profileImageURL('bot1')).toBe('/chat/api/v4/users/bot1/image');
    });

    it('is decorative, and a picture that fails to load leaves a placeholder', () => {
        const {container} = render(<Avatar userId='bot1' lastPictureUpdate={5}/>);
        const img = container.querySelector('img');
        expect(img?.getAttribute('alt')).toBe('');
        expect(img?.getAttribute('aria-hidden')).toBe('true');
        fireEvent.error(img as HTMLImageElement);
        expect(container.querySelector('img')).toBeNull();
        expect(container.querySelector('.mattermost-ai-avatar--empty[aria-hidden=true]')).toBeTruthy();
    });
});
