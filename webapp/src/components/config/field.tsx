import React from 'react';

// One labelled setting, with the server's validation message for it if there is one.
export default function Field({label, children, problem}: {label: string; children: React.ReactNode; problem?: string}) {
    return (
        <div className='form-group'>
            <label>
                <span>{label}</span>
                {children}
            </label>
            {problem && <div className='has-error' role='alert'>{problem}</div>}
        </div>
    );
}
