import { el } from '../../dom';
import type { DeviceKind } from './local-media';

/** Lists of this machine's cameras and microphones, for whoever may publish; a choice switches the device at once. */
export class DevicePicker {
  readonly cameraSelect = el('select', { id: 'camera-select' });
  readonly micSelect = el('select', { id: 'mic-select' });
  readonly root = el('div', { class: 'device-picker', hidden: '' },
    el('label', { for: 'camera-select' }, 'Camera'), this.cameraSelect,
    el('label', { for: 'mic-select' }, 'Microphone'), this.micSelect);

  constructor(private readonly inUse: (kind: DeviceKind) => string | null, onChoose: (kind: DeviceKind, deviceId: string) => void) {
    this.cameraSelect.addEventListener('change', () => onChoose('camera', this.cameraSelect.value));
    this.micSelect.addEventListener('change', () => onChoose('microphone', this.micSelect.value));
    navigator.mediaDevices?.addEventListener('devicechange', () => void this.refresh());
  }

  show(visible: boolean): void {
    const was = !this.root.hidden;
    this.root.hidden = !visible;
    if (visible && !was) void this.refresh();
  }

  /** Reads the devices again (their names are known once the page may use them). */
  async refresh(): Promise<void> {
    const devices = await navigator.mediaDevices?.enumerateDevices().catch(() => []) ?? [];
    this.fill(this.cameraSelect, devices.filter((d) => d.kind === 'videoinput'), 'Camera', this.inUse('camera'));
    this.fill(this.micSelect, devices.filter((d) => d.kind === 'audioinput'), 'Microphone', this.inUse('microphone'));
  }

  private fill(select: HTMLSelectElement, devices: MediaDeviceInfo[], noun: string, current: string | null): void {
    select.replaceChildren(...devices.map((d, i) => el('option', { value: d.deviceId }, d.label || `${noun} ${i + 1}`)));
    if (current && devices.some((d) => d.deviceId === current)) select.value = current;
    select.disabled = devices.length === 0;
  }
}
