// The merge visualization, drawn with three.js: the image the model saw (sharp original crop),
// then per patch either its group's mean colour, a group-size heat map, or nothing, then group
// outlines as real quads (WebGL lines are 1 device pixel, too thin on high-DPI screens), and a
// highlight of the hovered group. Coordinates are patch-grid units, y down.
import * as THREE from 'three';
import { boundaryEdges, type GroupLayout } from './groups';
import { ramp, sizeToUnit } from './colormap';
import type { ModelView } from '../protocol';

export type VizStyle = 'fill' | 'outline' | 'heat' | 'none';

export interface HoverInfo {
  patch: number;
  group: number;
  size: number;
  pruned: boolean;
  /** Pointer position in CSS pixels relative to the canvas. */
  x: number;
  y: number;
}

/** Outline width in CSS pixels: thick enough to read, thin enough not to hide 16 px patches. */
const OUTLINE_CSS_PX = 1.25;
const HIGHLIGHT_CSS_PX = 2.5;

export class MergeOverlay {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.OrthographicCamera(0, 1, 0, 1, -10, 10);
  private readonly image: THREE.Mesh<THREE.PlaneGeometry, THREE.MeshBasicMaterial>;
  private readonly cells: THREE.Mesh<THREE.PlaneGeometry, THREE.MeshBasicMaterial>;
  private readonly outlines: THREE.Mesh<THREE.BufferGeometry, THREE.MeshBasicMaterial>;
  private readonly highlight: THREE.Mesh<THREE.BufferGeometry, THREE.MeshBasicMaterial>;
  private readonly observer: ResizeObserver;
  private layout: GroupLayout | null = null;
  private grid = 14;
  private style: VizStyle = 'fill';
  private hovered = -1;
  /** Patch under the keyboard cursor (arrow keys on the focused canvas), -1 when none. */
  private cursor = -1;
  private cssWidth = 1;
  onHover: (info: HoverInfo | null) => void = () => {};

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, alpha: false });
    this.renderer.setClearColor(0x0a0c10);
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.image = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), new THREE.MeshBasicMaterial({ visible: false, side: THREE.DoubleSide }));
    this.cells = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), new THREE.MeshBasicMaterial({ transparent: true, visible: false, side: THREE.DoubleSide }));
    this.outlines = new THREE.Mesh(
      new THREE.BufferGeometry(),
      new THREE.MeshBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.85, side: THREE.DoubleSide }),
    );
    this.highlight = new THREE.Mesh(new THREE.BufferGeometry(), new THREE.MeshBasicMaterial({ color: 0xffd166, side: THREE.DoubleSide }));
    this.image.position.z = 0;
    this.cells.position.z = 1;
    this.outlines.position.z = 2;
    this.highlight.position.z = 3;
    this.scene.add(this.image, this.cells, this.outlines, this.highlight);
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(canvas);
    canvas.addEventListener('pointermove', (e) => this.pointer(e));
    canvas.addEventListener('pointerleave', () => this.setHovered(-1, null));
    canvas.addEventListener('keydown', (e) => this.key(e));
    canvas.addEventListener('blur', () => {
      this.cursor = -1;
      this.setHovered(-1, null);
    });
    this.resize();
  }

  /** The picture under the groups: the crop of `view.bitmap` (a still, or a video frame). */
  setView(view: Pick<ModelView, 'bitmap' | 'crop' | 'size'>): void {
    // Display only: the browser scales the crop for the screen; the model input is exact elsewhere.
    const side = Math.min(1024, Math.max(view.size, Math.round(Math.max(view.crop.w, view.crop.h))));
    const old = this.image.material;
    const oldCanvas = old.map?.image as HTMLCanvasElement | undefined;
    // Frame after frame of a video: the same canvas and texture, redrawn.
    if (oldCanvas && oldCanvas.width === side && old.map instanceof THREE.CanvasTexture) {
      drawCrop(oldCanvas, view);
      old.map.needsUpdate = true;
      this.render();
      return;
    }
    const c = document.createElement('canvas');
    c.width = c.height = side;
    drawCrop(c, view);
    const tex = new THREE.CanvasTexture(c);
    tex.colorSpace = THREE.SRGBColorSpace;
    tex.anisotropy = this.renderer.capabilities.getMaxAnisotropy();
    this.image.material = new THREE.MeshBasicMaterial({ map: tex, side: THREE.DoubleSide });
    old.map?.dispose();
    old.dispose();
    this.render();
  }

  setGroups(layout: GroupLayout | null): void {
    this.layout = layout;
    if (layout) this.grid = layout.grid;
    this.canvas.dataset.groups = layout ? Array.from(layout.groups).join(',') : '';
    this.canvas.dataset.pruned = layout ? String(layout.pruned.reduce((a, b) => a + b, 0)) : '';
    this.hovered = -1;
    this.rebuild();
  }

  setStyle(style: VizStyle): void {
    this.style = style;
    this.canvas.dataset.style = style;
    this.rebuild();
  }

  /** Renders at `side` device pixels and returns a copy (for the PNG export). */
  snapshot(side: number): HTMLCanvasElement {
    const size = new THREE.Vector2();
    this.renderer.getSize(size);
    const ratio = this.renderer.getPixelRatio();
    const hovered = this.hovered;
    this.hovered = -1;
    this.renderer.setPixelRatio(1);
    this.renderer.setSize(side, side, false);
    this.cssWidth = side;
    this.rebuild();
    const out = document.createElement('canvas');
    out.width = out.height = side;
    out.getContext('2d')!.drawImage(this.canvas, 0, 0);
    this.renderer.setPixelRatio(ratio);
    this.renderer.setSize(size.x, size.y, false);
    this.cssWidth = size.x;
    this.hovered = hovered;
    this.rebuild();
    return out;
  }

  dispose(): void {
    this.observer.disconnect();
    this.renderer.dispose();
  }

  private resize(): void {
    const w = Math.max(1, this.canvas.clientWidth);
    const h = Math.max(1, this.canvas.clientHeight);
    this.cssWidth = w;
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.renderer.setSize(w, h, false);
    this.rebuild();
  }

  private rebuild(): void {
    const g = this.grid;
    this.camera.left = 0;
    this.camera.right = g;
    this.camera.top = 0;
    this.camera.bottom = g;
    this.camera.updateProjectionMatrix();
    for (const m of [this.image, this.cells]) {
      m.scale.set(g, g, 1);
      m.position.set(g / 2, g / 2, m.position.z);
      // Plane UV v=1 is +y; the camera's y grows downward, so flip to keep the image upright.
      m.rotation.x = Math.PI;
    }
    this.image.material.visible = !!this.image.material.map;
    this.updateCells();
    const unit = g / this.cssWidth; // grid units per CSS pixel
    const l = this.layout;
    const showOutlines = !!l && this.style !== 'none';
    setQuads(this.outlines.geometry, showOutlines ? l.edges : new Float32Array(), OUTLINE_CSS_PX * unit);
    this.outlines.material.color.set(this.style === 'outline' ? 0xffd166 : 0xffffff);
    this.outlines.material.opacity = this.style === 'fill' ? 0.7 : 0.9;
    const hEdges = l && this.hovered >= 0 ? boundaryEdges(l.groups, g, this.hovered) : new Float32Array();
    setQuads(this.highlight.geometry, hEdges, HIGHLIGHT_CSS_PX * unit);
    this.render();
  }

  private updateCells(): void {
    const l = this.layout;
    const mat = this.cells.material;
    if (!l || this.style === 'none' || this.style === 'outline') {
      mat.visible = false;
      return;
    }
    const n = l.grid * l.grid;
    const data = new Uint8Array(n * 4);
    for (let p = 0; p < n; p++) {
      const hot = this.hovered >= 0 && l.groups[p] === this.hovered;
      if (l.pruned[p]) {
        data.set([10, 12, 16, hot ? 170 : 215], p * 4); // dropped: almost black, image faintly visible
      } else if (this.style === 'fill') {
        for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(l.meanColour[p * 3 + c]);
        data[p * 4 + 3] = hot ? 150 : 255;
      } else {
        const [r, gr, b] = ramp(sizeToUnit(l.sizeOfPatch[p], l.largest));
        data.set([r, gr, b, hot ? 110 : 175], p * 4);
      }
    }
    const tex = new THREE.DataTexture(data, l.grid, l.grid, THREE.RGBAFormat);
    tex.magFilter = THREE.NearestFilter;
    tex.minFilter = THREE.NearestFilter;
    tex.colorSpace = THREE.SRGBColorSpace;
    tex.flipY = false;
    tex.needsUpdate = true;
    mat.map?.dispose();
    mat.map = tex;
    mat.visible = true;
    mat.needsUpdate = true;
  }

  private pointer(e: PointerEvent): void {
    const l = this.layout;
    if (!l) return;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const gx = Math.floor((x / rect.width) * l.grid);
    const gy = Math.floor((y / rect.height) * l.grid);
    if (gx < 0 || gy < 0 || gx >= l.grid || gy >= l.grid) return this.setHovered(-1, null);
    const patch = gy * l.grid + gx;
    this.setHovered(l.groups[patch], { patch, group: l.groups[patch], size: l.sizeOfPatch[patch], pruned: !!l.pruned[patch], x, y });
  }

  /** Arrow keys walk a cursor over the patches, so groups can be inspected without a mouse. */
  private key(e: KeyboardEvent): void {
    const l = this.layout;
    const step: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (!l) return;
    if (e.key === 'Escape') {
      this.cursor = -1;
      this.setHovered(-1, null);
      return;
    }
    const d = step[e.key];
    if (!d) return;
    e.preventDefault();
    const g = l.grid;
    const c = this.cursor < 0 ? Math.floor(g / 2) * g + Math.floor(g / 2) : this.cursor;
    const x = Math.min(g - 1, Math.max(0, (c % g) + (this.cursor < 0 ? 0 : d[0])));
    const y = Math.min(g - 1, Math.max(0, Math.floor(c / g) + (this.cursor < 0 ? 0 : d[1])));
    this.cursor = y * g + x;
    const cell = this.canvas.clientWidth / g;
    const group = l.groups[this.cursor];
    this.setHovered(group, {
      patch: this.cursor,
      group,
      size: l.sizeOfPatch[this.cursor],
      pruned: !!l.pruned[this.cursor],
      x: (x + 0.5) * cell,
      y: (y + 0.5) * cell,
    });
  }

  private setHovered(group: number, info: HoverInfo | null): void {
    if (group !== this.hovered) {
      this.hovered = group;
      this.rebuild();
    }
    this.onHover(info);
  }

  private render(): void {
    this.renderer.render(this.scene, this.camera);
  }
}

function drawCrop(c: HTMLCanvasElement, view: Pick<ModelView, 'bitmap' | 'crop'>): void {
  const ctx = c.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.drawImage(view.bitmap, view.crop.x, view.crop.y, view.crop.w, view.crop.h, 0, 0, c.width, c.height);
}

/** Axis-aligned unit segments [x0, y0, x1, y1, ...] -> quads of width w (two triangles each). */
function setQuads(geom: THREE.BufferGeometry, segs: Float32Array, w: number): void {
  const h = w / 2;
  const n = segs.length / 4;
  const pos = new Float32Array(n * 18);
  for (let i = 0; i < n; i++) {
    const [x0, y0, x1, y1] = segs.subarray(i * 4, i * 4 + 4);
    const ax = Math.min(x0, x1) - h;
    const bx = Math.max(x0, x1) + h;
    const ay = Math.min(y0, y1) - h;
    const by = Math.max(y0, y1) + h;
    pos.set([ax, ay, 0, bx, ay, 0, bx, by, 0, ax, ay, 0, bx, by, 0, ax, by, 0], i * 18);
  }
  geom.setAttribute('position', new THREE.BufferAttribute(pos, 3));
  geom.computeBoundingSphere();
}
