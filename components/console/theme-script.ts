/** localStorage's key for the pinned theme; absent means "follow the system". */
export const THEME_KEY = "x402-theme";

/**
 * Applied before the first paint (app/layout.tsx puts it in <head>): the pinned theme, if any, on
 * <html data-theme>, so a dark page never flashes light. Without one, CSS follows
 * prefers-color-scheme (app/globals.css).
 */
export const THEME_SCRIPT = `try{var t=localStorage.getItem("${THEME_KEY}");if(t==="light"||t==="dark")document.documentElement.dataset.theme=t}catch(e){}`;
