// The browser side of every deck: reveal.js with markdown, code highlighting and speaker notes.
import Reveal from "reveal.js";
import Highlight from "reveal.js/plugin/highlight";
import Markdown from "reveal.js/plugin/markdown";
import Notes from "reveal.js/plugin/notes";
import "reveal.js/reset.css";
import "reveal.js/reveal.css";
import "reveal.js/theme/white-contrast.css";
import "reveal.js/plugin/highlight/monokai.css";
import "./theme.css";

declare global {
  interface Window {
    /** The running deck, for the browser test (and for trying the API from the console). */
    Reveal?: InstanceType<typeof Reveal>;
  }
}

const deck = new Reveal({
  // The slide number in the URL: a reload, or a link sent to a student, lands on the same slide.
  hash: true,
  slideNumber: "c/t",
  // 16:9, the shape of most classroom projectors.
  width: 1280,
  height: 720,
  margin: 0.04,
  transition: "none",
  plugins: [Markdown, Highlight, Notes],
});
await deck.initialize();
window.Reveal = deck;
