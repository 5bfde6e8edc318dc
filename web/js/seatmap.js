// An interactive map of one section: rows of seat buttons, coloured by status, zoomable, and
// keyboard operable (one tab stop; arrow keys move between seats; Enter or Space toggles).

import { announce, h, icon } from "./dom.js";
import { seatAriaLabel, spokenSeat } from "./seats.js";

// Zoomed all the way out, a stadium section's longest row fits across a phone.
const MIN_SEAT = 6;
// The map opens with seats big enough to pick (fingers need bigger ones than mouse pointers);
// "Fit to screen" then shows whole rows, however small, and either can zoom further.
const FIT_MIN = window.matchMedia?.("(pointer: coarse)").matches ? 20 : 14;
const FIT_MAX = 34;
const MAX_SEAT = 48;
const ZOOM_STEP = 1.25;

export class SeatMap {
  /**
   * @param {{onToggle: (seat) => void, isSelected: (seatId) => boolean, stageLabel: string}} options
   */
  constructor({ onToggle, isSelected, stageLabel = "Stage" }) {
    this.onToggle = onToggle;
    this.isSelected = isSelected;
    this.seats = new Map(); // seat_id -> seat
    this.buttons = new Map(); // seat_id -> button
    this.rows = []; // [[seat_id]]
    this.focusId = null;
    this.size = 28;
    this.fitted = false;

    this.canvas = h("div", {
      class: "seatmap-canvas",
      role: "group",
      "aria-describedby": "seatmap-help",
    });
    this.scroller = h(
      "div",
      { class: "seatmap-scroll" },
      h("div", { class: "seatmap-inner" }, h("div", { class: "stage", "aria-hidden": "true" }, stageLabel), this.canvas),
    );
    this.zoomOut = this.#toolButton("minus", "Zoom out", () => this.zoom(1 / ZOOM_STEP));
    this.zoomIn = this.#toolButton("plus", "Zoom in", () => this.zoom(ZOOM_STEP));
    this.zoomFit = this.#toolButton("fit", "Fit to screen", () => this.fit({ whole: true }));
    this.el = h(
      "div",
      { class: "seatmap" },
      h(
        "div",
        { class: "seatmap-toolbar" },
        legend(),
        h("div", { class: "zoom-controls", role: "group", "aria-label": "Zoom" }, this.zoomOut, this.zoomIn, this.zoomFit),
      ),
      this.scroller,
      h(
        "p",
        { class: "seatmap-help muted", id: "seatmap-help" },
        "Tab to the seats, use the arrow keys to move between them, and Enter or Space to select.",
      ),
    );
    this.canvas.addEventListener("click", (event) => this.#onClick(event));
    this.canvas.addEventListener("keydown", (event) => this.#onKeydown(event));
    this.canvas.addEventListener("focusin", (event) => {
      const button = event.target.closest?.("button.seat");
      if (button) this.#setTabStop(button.dataset.seatId);
    });
    this.scroller.addEventListener(
      "wheel",
      (event) => {
        if (!event.ctrlKey) return;
        event.preventDefault();
        this.zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1);
      },
      { passive: false },
    );
  }

  #toolButton(iconName, label, onclick) {
    return h(
      "button",
      { type: "button", class: "icon-button", "aria-label": label, title: label, onclick },
      icon(iconName, { size: 18 }),
    );
  }

  /** Draw a section's seats (replacing what was there). */
  render(sectionName, seats) {
    this.canvas.setAttribute("aria-label", `Seats in section ${sectionName}`);
    this.seats = new Map(seats.map((s) => [s.seat_id, s]));
    this.buttons = new Map();
    this.rows = [];
    const rowsByName = new Map();
    for (const seat of seats) {
      if (!rowsByName.has(seat.row)) rowsByName.set(seat.row, []);
      rowsByName.get(seat.row).push(seat);
    }
    const rowEls = [];
    for (const [row, rowSeats] of rowsByName) {
      rowSeats.sort((a, b) => a.number - b.number);
      this.rows.push(rowSeats.map((s) => s.seat_id));
      const buttons = rowSeats.map((seat) => {
        const button = h(
          "button",
          {
            type: "button",
            class: "seat",
            tabindex: "-1",
            dataset: { seatId: seat.seat_id },
          },
          h("span", { class: "seat-number", "aria-hidden": "true" }, seat.number),
        );
        this.buttons.set(seat.seat_id, button);
        this.#paint(seat, button);
        return button;
      });
      rowEls.push(
        h(
          "div",
          { class: "seat-row", role: "group", "aria-label": `Row ${row}` },
          h("span", { class: "row-label", "aria-hidden": "true" }, row),
          h("div", { class: "row-seats" }, buttons),
          h("span", { class: "row-label", "aria-hidden": "true" }, row),
        ),
      );
    }
    this.canvas.replaceChildren(...rowEls);
    const first = seats.find((s) => s.status === "available" && !this.isSelected(s.seat_id)) || seats[0];
    this.focusId = null;
    if (first) this.#setTabStop(first.seat_id);
    this.fitted = false;
    requestAnimationFrame(() => this.fit());
  }

  /** New statuses for seats already drawn (a refresh): painted in place, focus untouched. */
  update(seats) {
    for (const seat of seats) {
      const button = this.buttons.get(seat.seat_id);
      if (!button) continue;
      this.seats.set(seat.seat_id, seat);
      this.#paint(seat, button);
    }
  }

  /** Repaint one seat's selected state. */
  refreshSeat(seatId) {
    const seat = this.seats.get(seatId);
    const button = this.buttons.get(seatId);
    if (seat && button) this.#paint(seat, button);
  }

  refreshAll() {
    for (const [seatId, button] of this.buttons) this.#paint(this.seats.get(seatId), button);
  }

  #paint(seat, button) {
    const selected = this.isSelected(seat.seat_id);
    const status = seat.status;
    button.className = `seat is-${status}${selected ? " is-selected" : ""}`;
    button.dataset.status = status;
    button.setAttribute("aria-pressed", selected ? "true" : "false");
    button.setAttribute("aria-label", seatAriaLabel(seat, status));
    if (status === "available" || selected) button.removeAttribute("aria-disabled");
    else button.setAttribute("aria-disabled", "true");
    button.title = `Row ${seat.row}, seat ${seat.number} — ${status}`;
  }

  #setTabStop(seatId) {
    if (this.focusId === seatId) return;
    const previous = this.focusId && this.buttons.get(this.focusId);
    if (previous) previous.tabIndex = -1;
    const next = this.buttons.get(seatId);
    if (next) next.tabIndex = 0;
    this.focusId = seatId;
  }

  focusSeat(seatId) {
    const button = this.buttons.get(seatId);
    if (!button) return;
    this.#setTabStop(seatId);
    button.focus();
    button.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  #onClick(event) {
    const button = event.target.closest("button.seat");
    if (!button) return;
    const seat = this.seats.get(button.dataset.seatId);
    if (!seat) return;
    this.#setTabStop(seat.seat_id);
    if (seat.status !== "available" && !this.isSelected(seat.seat_id)) {
      announce(`${spokenSeat(seat)} is ${seat.status === "held" ? "on hold" : "sold"}.`);
      return;
    }
    this.onToggle(seat);
  }

  #onKeydown(event) {
    const button = event.target.closest?.("button.seat");
    if (!button) return;
    const id = button.dataset.seatId;
    const rowIndex = this.rows.findIndex((row) => row.includes(id));
    if (rowIndex < 0) return;
    const row = this.rows[rowIndex];
    const index = row.indexOf(id);
    let target = null;
    switch (event.key) {
      case "ArrowRight":
        target = row[Math.min(index + 1, row.length - 1)];
        break;
      case "ArrowLeft":
        target = row[Math.max(index - 1, 0)];
        break;
      case "Home":
        target = event.ctrlKey ? this.rows[0][0] : row[0];
        break;
      case "End":
        target = event.ctrlKey ? this.rows.at(-1).at(-1) : row.at(-1);
        break;
      case "ArrowUp":
      case "ArrowDown": {
        const other = this.rows[rowIndex + (event.key === "ArrowUp" ? -1 : 1)];
        if (!other) break;
        // Rows are centred and differ in length: keep the same position from the centre.
        const offset = index - (row.length - 1) / 2;
        const j = Math.round(offset + (other.length - 1) / 2);
        target = other[Math.min(Math.max(j, 0), other.length - 1)];
        break;
      }
      case "+":
      case "=":
        this.zoom(ZOOM_STEP);
        break;
      case "-":
        this.zoom(1 / ZOOM_STEP);
        break;
      default:
        return;
    }
    event.preventDefault();
    if (target && target !== id) this.focusSeat(target);
  }

  #apply(size) {
    const scroller = this.scroller;
    const cx = (scroller.scrollLeft + scroller.clientWidth / 2) / Math.max(scroller.scrollWidth, 1);
    const cy = (scroller.scrollTop + scroller.clientHeight / 2) / Math.max(scroller.scrollHeight, 1);
    this.size = Math.round(Math.min(MAX_SEAT, Math.max(MIN_SEAT, size)));
    this.canvas.style.setProperty("--seat", `${this.size}px`);
    this.canvas.classList.toggle("show-numbers", this.size >= 22);
    this.zoomOut.disabled = this.size <= MIN_SEAT;
    this.zoomIn.disabled = this.size >= MAX_SEAT;
    // Keep the middle of what the customer was looking at in the middle.
    scroller.scrollLeft = cx * scroller.scrollWidth - scroller.clientWidth / 2;
    scroller.scrollTop = cy * scroller.scrollHeight - scroller.clientHeight / 2;
  }

  zoom(factor) {
    this.#apply(this.size * factor);
  }

  /** Pick a seat size that shows the widest row across the visible width: at most FIT_MAX, and
   * at least FIT_MIN unless `whole` (the "Fit to screen" button: whole rows, however small). */
  fit({ whole = false } = {}) {
    const longest = Math.max(1, ...this.rows.map((r) => r.length));
    const width = this.scroller.clientWidth - 24;
    // A seat plus its gap is ~1.2 seats; the two row labels take ~2.6 seats.
    const size = width > 0 ? Math.floor(width / (longest * 1.2 + 2.6)) : 28;
    this.#apply(Math.min(Math.max(size, whole ? MIN_SEAT : FIT_MIN), FIT_MAX));
    // Start in the middle: the best seats of a row face the stage.
    this.scroller.scrollLeft = (this.scroller.scrollWidth - this.scroller.clientWidth) / 2;
    this.scroller.scrollTop = 0;
    this.fitted = true;
  }
}

function legend() {
  const item = (cls, label) =>
    h("li", {}, h("span", { class: `seat seat-swatch ${cls}`, "aria-hidden": "true" }), label);
  return h(
    "ul",
    { class: "legend", "aria-label": "Seat colours" },
    item("is-available", "Available"),
    item("is-selected", "Selected"),
    item("is-held", "On hold"),
    item("is-sold", "Sold"),
  );
}
