// What a browser test prints: one line per check, "ok" or "FAIL", and whether any failed.
export function reporter() {
    let failed = false;
    const check = (ok, what) => {
        console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
        failed ||= !ok;
    };
    // Waits for a condition the page should reach, reporting it instead of throwing.
    const reach = async (what, wait) => {
        try {
            await wait();
            check(true, what);
            return true;
        } catch (e) {
            check(false, `${what}: ${e.message.split('\n')[0]}`);
            return false;
        }
    };
    return {check, reach, failed: () => failed};
}
