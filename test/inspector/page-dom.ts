/**
 * The few DOM types the functions given to page.evaluate use. Those functions run in the page, but
 * tsconfig.json has no DOM lib (the service is Node code): each test file declares
 * `declare const document: PageDocument` with these instead of pulling the DOM into the whole program.
 */
export interface PageRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PageElement {
  readonly tagName: string;
  readonly id: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElementList;
  matches(selector: string): boolean;
  getBoundingClientRect(): PageRect;
}

export interface PageElementList extends Iterable<PageElement> {
  readonly length: number;
  forEach(callback: (element: PageElement) => void): void;
}

export interface PageStyleSheet {
  readonly href: string | null;
  readonly cssRules: Iterable<{ readonly cssText: string }>;
}

export interface PageDocument {
  readonly baseURI: string;
  readonly body: PageElement;
  readonly activeElement: PageElement | null;
  readonly styleSheets: Iterable<PageStyleSheet>;
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElementList;
}
